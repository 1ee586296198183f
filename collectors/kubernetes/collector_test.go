package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

var (
	schedulesGVR = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
	backupsGVR   = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backups"}
)

// fakeClients returns fake clients holding objs (typed objects), secrets (as metadata)
// and velero (unstructured Velero objects; their CRDs are announced in discovery only
// when velero is non-nil).
func fakeClients(t *testing.T, objs []runtime.Object, secrets []*metav1.PartialObjectMetadata, velero []runtime.Object) (Clients, *fake.Clientset) {
	t.Helper()
	kube := fake.NewClientset(objs...)
	mscheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(mscheme); err != nil {
		t.Fatal(err)
	}
	var mobjs []runtime.Object
	for _, s := range secrets {
		mobjs = append(mobjs, s)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{schedulesGVR: "ScheduleList", backupsGVR: "BackupList"}, velero...)
	if velero != nil {
		kube.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{{
			GroupVersion: "velero.io/v1",
			APIResources: []metav1.APIResource{
				{Name: "schedules", Kind: "Schedule", Namespaced: true, Verbs: []string{"list"}},
				{Name: "backups", Kind: "Backup", Namespaced: true, Verbs: []string{"list"}},
			},
		}}
	}
	return Clients{Kube: kube, Metadata: metadatafake.NewSimpleMetadataClient(mscheme, mobjs...), Dynamic: dyn}, kube
}

func pod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
}

func requireComplete(t *testing.T, res *Result) {
	t.Helper()
	if res.Status != posture.RunComplete || len(res.Errors) != 0 {
		t.Fatalf("status %s, errors %v; want complete without errors", res.Status, res.Errors)
	}
}

func TestCollectBasic(t *testing.T) {
	secret := &metav1.PartialObjectMetadata{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db", Annotations: map[string]string{
			kubeinv.LastAppliedAnnotation: `{"data":{"password":"aHVudGVyMg=="}}`, "team": "shop",
		}},
	}
	clients, _ := fakeClients(t,
		[]runtime.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
			pod("shop", "a"),
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
		},
		[]*metav1.PartialObjectMetadata{secret}, nil)
	res, err := CollectWith(t.Context(), clients, Options{SecretMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	requireComplete(t, res)
	inv := res.Inventory
	if len(inv.Namespaces) != 1 || len(inv.Pods) != 1 || len(inv.Deployments) != 1 || len(inv.Secrets) != 1 {
		t.Fatalf("inventory: %d namespaces, %d pods, %d deployments, %d secrets", len(inv.Namespaces), len(inv.Pods), len(inv.Deployments), len(inv.Secrets))
	}
	if res.Objects != 4 {
		t.Errorf("Objects = %d, want 4", res.Objects)
	}
	if inv.Pods[0].ManagedFields != nil {
		t.Error("managed fields kept")
	}
	s := inv.Secrets[0]
	if _, ok := s.Annotations[kubeinv.LastAppliedAnnotation]; ok || s.Annotations["team"] != "shop" {
		t.Errorf("secret annotations = %v; want last-applied stripped, others kept", s.Annotations)
	}
	if len(inv.VeleroSchedules) != 0 || len(inv.VeleroBackups) != 0 {
		t.Error("velero objects without velero CRDs")
	}
	if m := inv.MissingKinds(); len(m) != 0 {
		t.Errorf("complete collection misses %v (absent Velero CRDs are not missing)", m)
	}
	if got := len(res.Resources); got != 24 {
		t.Errorf("listed %d resource types, want 24 (23 typed + secrets, no velero)", got)
	}
}

// pagedPods serves pods in pages of opts.Limit, following opts.Continue, and records the
// continue tokens it was asked for. expire lists the continue tokens that fail (once
// each unless always) with 410 Expired.
type pagedPods struct {
	mu        sync.Mutex
	pods      []corev1.Pod
	continues []string
	expire    map[string]bool
	always    bool
}

func (p *pagedPods) react(a k8stesting.Action) (bool, runtime.Object, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lo := a.(k8stesting.ListActionImpl).GetListOptions()
	p.continues = append(p.continues, lo.Continue)
	if p.expire[lo.Continue] {
		if !p.always {
			delete(p.expire, lo.Continue)
		}
		return true, nil, apierrors.NewResourceExpired("The provided continue parameter is too old")
	}
	from := 0
	if lo.Continue != "" {
		from, _ = strconv.Atoi(strings.TrimPrefix(lo.Continue, "tok-"))
	}
	to := min(from+int(lo.Limit), len(p.pods))
	if lo.Limit == 0 {
		to = len(p.pods)
	}
	l := &corev1.PodList{Items: append([]corev1.Pod(nil), p.pods[from:to]...)}
	if to < len(p.pods) {
		l.Continue = fmt.Sprintf("tok-%d", to)
		rem := int64(len(p.pods) - to)
		l.RemainingItemCount = &rem
	}
	return true, l, nil
}

func newPagedPods(n int) *pagedPods {
	p := &pagedPods{expire: map[string]bool{}}
	for i := range n {
		p.pods = append(p.pods, *pod("shop", fmt.Sprintf("p%02d", i)))
	}
	return p
}

func TestCollectPagination(t *testing.T) {
	for _, tc := range []struct {
		name      string
		expire    []string
		always    bool
		status    posture.RunStatus
		continues []string
		restarts  int
	}{
		{name: "follows continue tokens", status: posture.RunComplete,
			continues: []string{"", "tok-2", "tok-4"}},
		{name: "expired token restarts once", expire: []string{"tok-4"}, status: posture.RunComplete,
			continues: []string{"", "tok-2", "tok-4", "", "tok-2", "tok-4"}, restarts: 1},
		{name: "expired twice is partial", expire: []string{"tok-2"}, always: true, status: posture.RunPartial,
			continues: []string{"", "tok-2", "", "tok-2"}, restarts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pp := newPagedPods(5)
			for _, e := range tc.expire {
				pp.expire[e] = true
			}
			pp.always = tc.always
			clients, kube := fakeClients(t, nil, nil, nil)
			kube.PrependReactor("list", "pods", pp.react)
			res, err := CollectWith(t.Context(), clients, Options{PageSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (errors %v), want %s", res.Status, res.Errors, tc.status)
			}
			if fmt.Sprint(pp.continues) != fmt.Sprint(tc.continues) {
				t.Errorf("continue tokens asked = %q, want %q", pp.continues, tc.continues)
			}
			stat := statOf(t, res, "v1 pods")
			if stat.Restarts != tc.restarts {
				t.Errorf("restarts = %d, want %d", stat.Restarts, tc.restarts)
			}
			if tc.status == posture.RunComplete {
				if len(res.Inventory.Pods) != 5 || stat.Pages != 3 {
					t.Errorf("got %d pods in %d pages, want 5 in 3 (no duplicates after a restart)", len(res.Inventory.Pods), stat.Pages)
				}
				return
			}
			if len(res.Errors) != 1 || res.Errors[0].Source != "v1 pods" || !strings.Contains(res.Errors[0].Message, "expired twice") {
				t.Errorf("errors = %v, want one naming v1 pods and the expiry", res.Errors)
			}
		})
	}
}

func statOf(t *testing.T, res *Result, source string) ResourceStat {
	t.Helper()
	for _, s := range res.Resources {
		if s.Source == source {
			return s
		}
	}
	t.Fatalf("no stat for %s", source)
	return ResourceStat{}
}

func TestCollectForbiddenResourceIsPartial(t *testing.T) {
	clients, kube := fakeClients(t, []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		pod("shop", "a"),
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
	}, nil, nil)
	kube.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "",
			errors.New(`User "system:serviceaccount:palisade:palisade-collector" cannot list resource "deployments"`))
	})
	res, err := CollectWith(t.Context(), clients, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != posture.RunPartial {
		t.Fatalf("status %s, want partial", res.Status)
	}
	want := posture.CollectionError{Source: "apps/v1 deployments", Message: "forbidden: the collector's role cannot list deployments"}
	if len(res.Errors) != 1 || res.Errors[0] != want {
		t.Fatalf("errors = %v, want [%v]", res.Errors, want)
	}
	if len(res.Inventory.Pods) != 1 || len(res.Inventory.Namespaces) != 1 || len(res.Inventory.Deployments) != 0 {
		t.Errorf("the rest was not collected: %d pods, %d namespaces", len(res.Inventory.Pods), len(res.Inventory.Namespaces))
	}
}

// TestCollectMarksFailedKindsMissing: whatever ends a resource type's list early marks
// its kind missing in the inventory, and only that kind.
func TestCollectMarksFailedKindsMissing(t *testing.T) {
	forbidden := func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New("no"))
	}
	for _, tc := range []struct {
		name     string
		resource string
		react    func() k8stesting.ReactionFunc
		opts     Options
		missing  []string
	}{
		{name: "403 on networkpolicies", resource: "networkpolicies", opts: Options{SecretMetadata: true},
			react: func() k8stesting.ReactionFunc { return forbidden }, missing: []string{kubeinv.KindNetworkPolicy}},
		{name: "403 on poddisruptionbudgets", resource: "poddisruptionbudgets", opts: Options{SecretMetadata: true},
			react: func() k8stesting.ReactionFunc { return forbidden }, missing: []string{kubeinv.KindPodDisruptionBudget}},
		{name: "continue token expires twice mid-pagination", resource: "pods", opts: Options{SecretMetadata: true, PageSize: 2},
			react: func() k8stesting.ReactionFunc {
				pp := newPagedPods(5)
				pp.expire["tok-2"], pp.always = true, true
				return pp.react
			}, missing: []string{kubeinv.KindPod}},
		{name: "secrets not listed by choice", missing: []string{kubeinv.KindSecret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clients, kube := fakeClients(t, []runtime.Object{
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
				&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "default-deny"}},
			}, nil, nil)
			if tc.react != nil {
				kube.PrependReactor("list", tc.resource, tc.react())
			}
			res, err := CollectWith(t.Context(), clients, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Inventory.MissingKinds(); fmt.Sprint(got) != fmt.Sprint(tc.missing) {
				t.Errorf("missing kinds = %v, want %v (errors %v)", got, tc.missing, res.Errors)
			}
			for _, k := range tc.missing {
				if res.Inventory.Has(k) {
					t.Errorf("Has(%s) = true", k)
				}
			}
			if !res.Inventory.Has(kubeinv.KindNamespace) || len(res.Inventory.Namespaces) != 1 {
				t.Error("namespaces were collected but are not complete")
			}
		})
	}
	t.Run("velero discovery fails", func(t *testing.T) {
		clients, kube := fakeClients(t, nil, nil, nil)
		kube.Discovery().(*fakediscovery.FakeDiscovery).PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "velero.io"}, "", errors.New("no"))
		})
		res, err := CollectWith(t.Context(), clients, Options{SecretMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Inventory.MissingKinds(), []string{kubeinv.KindVeleroBackup, kubeinv.KindVeleroSchedule}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("missing kinds = %v, want %v (errors %v)", got, want, res.Errors)
		}
	})
	t.Run("malformed velero object", func(t *testing.T) {
		clients, _ := fakeClients(t, nil, nil, []runtime.Object{
			veleroObj("Schedule", "bad", map[string]any{"schedule": int64(5)}, nil, nil),
		})
		res, err := CollectWith(t.Context(), clients, Options{SecretMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Inventory.MissingKinds(); fmt.Sprint(got) != fmt.Sprint([]string{kubeinv.KindVeleroSchedule}) {
			t.Errorf("missing kinds = %v, want [VeleroSchedule]", got)
		}
	})
}

func TestCollectEverythingForbiddenIsFailed(t *testing.T) {
	clients, kube := fakeClients(t, nil, nil, nil)
	kube.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New("no"))
	})
	res, err := CollectWith(t.Context(), clients, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != posture.RunFailed || len(res.Errors) != 23 {
		t.Fatalf("status %s with %d errors, want failed with 23", res.Status, len(res.Errors))
	}
}

func veleroObj(kind, name string, spec, status map[string]any, labels map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1", "kind": kind,
		"metadata": map[string]any{"namespace": "velero", "name": name, "labels": labels},
		"spec":     spec,
	}}
	if status != nil {
		u.Object["status"] = status
	}
	return u
}

func TestCollectVelero(t *testing.T) {
	t.Run("CRDs absent is complete without error", func(t *testing.T) {
		clients, _ := fakeClients(t, nil, nil, nil)
		res, err := CollectWith(t.Context(), clients, Options{})
		if err != nil {
			t.Fatal(err)
		}
		requireComplete(t, res)
		for _, s := range res.Resources {
			if strings.HasPrefix(s.Source, "velero.io") {
				t.Errorf("listed %s without its CRD", s.Source)
			}
		}
	})
	t.Run("CRDs present are listed", func(t *testing.T) {
		clients, _ := fakeClients(t, nil, nil, []runtime.Object{
			veleroObj("Schedule", "daily", map[string]any{"schedule": "0 1 * * *",
				"template": map[string]any{"includedNamespaces": []any{"shop"}}}, nil, nil),
			veleroObj("Backup", "daily-1", map[string]any{"includedNamespaces": []any{"shop"}},
				map[string]any{"phase": "Completed", "completionTimestamp": "2026-01-02T03:04:05Z"},
				map[string]any{"velero.io/schedule-name": "daily"}),
		})
		res, err := CollectWith(t.Context(), clients, Options{})
		if err != nil {
			t.Fatal(err)
		}
		requireComplete(t, res)
		inv := res.Inventory
		if len(inv.VeleroSchedules) != 1 || inv.VeleroSchedules[0].Schedule != "0 1 * * *" {
			t.Errorf("schedules = %+v", inv.VeleroSchedules)
		}
		if len(inv.VeleroBackups) != 1 || inv.VeleroBackups[0].ScheduleName != "daily" || inv.VeleroBackups[0].CompletionTime == nil {
			t.Errorf("backups = %+v", inv.VeleroBackups)
		}
	})
	t.Run("malformed object is partial", func(t *testing.T) {
		clients, _ := fakeClients(t, nil, nil, []runtime.Object{
			veleroObj("Schedule", "bad", map[string]any{"schedule": int64(5)}, nil, nil),
		})
		res, err := CollectWith(t.Context(), clients, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != posture.RunPartial || len(res.Errors) != 1 || res.Errors[0].Source != "velero.io/v1 schedules" {
			t.Fatalf("status %s, errors %v; want partial naming velero.io/v1 schedules", res.Status, res.Errors)
		}
	})
}

func TestCollectCancelled(t *testing.T) {
	clients, _ := fakeClients(t, nil, nil, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := CollectWith(ctx, clients, Options{})
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("got %v, %v; want context.Canceled", res, err)
	}
}

// emptyList answers any list with no items, the way an empty cluster would.
func emptyList(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"metadata":{},"items":[]}`)
}

func TestCollectAPIServerFaults(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	for _, tc := range []struct {
		name    string
		host    func() string
		status  posture.RunStatus
		source  string
		message string
	}{
		{name: "unreachable", host: closed, status: posture.RunFailed,
			source: "api server", message: "cannot reach the API server"},
		{name: "bad credentials", status: posture.RunFailed, source: "api server",
			message: "unauthorized: the API server rejected the collector's credentials",
			host: func() string {
				return serve(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`)
				})
			}},
		{name: "one resource hangs", status: posture.RunPartial, source: "v1 nodes", message: "timed out after 300ms",
			host: func() string {
				return serve(func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == "/version":
						fmt.Fprint(w, `{"gitVersion":"v1.37.2"}`)
					case r.URL.Path == "/api/v1/nodes":
						<-r.Context().Done() // a cluster that times out mid-list
					case strings.HasPrefix(r.URL.Path, "/apis/velero.io"):
						http.NotFound(w, r)
					case r.URL.Path == "/api/v1/secrets": // the metadata client's list
						w.Header().Set("Content-Type", "application/json")
						fmt.Fprint(w, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[]}`)
					default:
						emptyList(w)
					}
				})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res, err := Collect(t.Context(), Options{RESTConfig: &rest.Config{Host: tc.host(), BearerToken: "s3cr3t-token"},
				Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (errors %v), want %s", res.Status, res.Errors, tc.status)
			}
			if len(res.Errors) != 1 || res.Errors[0].Source != tc.source || !strings.Contains(res.Errors[0].Message, tc.message) {
				t.Fatalf("errors = %v, want one from %q containing %q", res.Errors, tc.source, tc.message)
			}
			if tc.status == posture.RunPartial && res.Inventory.Has(kubeinv.KindNode) {
				t.Errorf("%s timed out but Node is not marked missing (missing: %v)", tc.source, res.Inventory.MissingKinds())
			}
			if strings.Contains(res.Errors[0].Message, "s3cr3t") {
				t.Error("token in error message")
			}
			if res.ClusterName != "127.0.0.1" {
				t.Errorf("ClusterName = %q", res.ClusterName)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: the timeout was not honoured", d)
			}
		})
	}
}

func TestCollectOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"missing kubeconfig", Options{Kubeconfig: "/nonexistent/kubeconfig"}, "cannot read kubeconfig"},
		{"context without kubeconfig", Options{Context: "prod"}, "without a kubeconfig path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Collect(t.Context(), tc.opts)
			if posture.ErrorCode(err) != posture.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// resourceType is one kind of object to list cluster-wide.
type resourceType struct {
	source   string // "apps/v1 deployments": the CollectionError source
	resource string // "deployments"
	kind     string // kubeinv kind name, e.g. kubeinv.KindDeployment: marked missing when the list fails
	// page fetches one page and hands each object to add; it returns the continue token.
	page func(ctx context.Context, opts metav1.ListOptions, add func(runtime.Object)) (string, error)
}

func sourceOf(gvr schema.GroupVersionResource) string {
	return gvr.GroupVersion().String() + " " + gvr.Resource
}

// typed adapts a typed client's List method (e.g. Deployments("").List).
func typed[L runtime.Object](kind string, gvr schema.GroupVersionResource, list func(context.Context, metav1.ListOptions) (L, error)) resourceType {
	return resourceType{
		source:   sourceOf(gvr),
		resource: gvr.Resource,
		kind:     kind,
		page: func(ctx context.Context, opts metav1.ListOptions, add func(runtime.Object)) (string, error) {
			l, err := list(ctx, opts)
			if err != nil {
				return "", err
			}
			return eachItem(l, add)
		},
	}
}

// eachItem passes a pointer to every item of a list (no copy) to add.
func eachItem(l runtime.Object, add func(runtime.Object)) (string, error) {
	acc, err := apimeta.ListAccessor(l)
	if err != nil {
		return "", fmt.Errorf("unexpected list type %T: %w", l, err)
	}
	err = apimeta.EachListItem(l, func(o runtime.Object) error {
		add(o)
		return nil
	})
	return acc.GetContinue(), err
}

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// typedResources lists every built-in kind the inventory holds.
func typedResources(c Clients, opts Options) []resourceType {
	k := c.Kube
	const all = metav1.NamespaceAll
	out := []resourceType{
		typed(kubeinv.KindNamespace, gvr("", "v1", "namespaces"), k.CoreV1().Namespaces().List),
		typed(kubeinv.KindNode, gvr("", "v1", "nodes"), k.CoreV1().Nodes().List),
		typed(kubeinv.KindPod, gvr("", "v1", "pods"), k.CoreV1().Pods(all).List),
		typed(kubeinv.KindDeployment, gvr("apps", "v1", "deployments"), k.AppsV1().Deployments(all).List),
		typed(kubeinv.KindReplicaSet, gvr("apps", "v1", "replicasets"), k.AppsV1().ReplicaSets(all).List),
		typed(kubeinv.KindStatefulSet, gvr("apps", "v1", "statefulsets"), k.AppsV1().StatefulSets(all).List),
		typed(kubeinv.KindDaemonSet, gvr("apps", "v1", "daemonsets"), k.AppsV1().DaemonSets(all).List),
		typed(kubeinv.KindJob, gvr("batch", "v1", "jobs"), k.BatchV1().Jobs(all).List),
		typed(kubeinv.KindCronJob, gvr("batch", "v1", "cronjobs"), k.BatchV1().CronJobs(all).List),
		typed(kubeinv.KindServiceAccount, gvr("", "v1", "serviceaccounts"), k.CoreV1().ServiceAccounts(all).List),
		typed(kubeinv.KindRole, gvr("rbac.authorization.k8s.io", "v1", "roles"), k.RbacV1().Roles(all).List),
		typed(kubeinv.KindClusterRole, gvr("rbac.authorization.k8s.io", "v1", "clusterroles"), k.RbacV1().ClusterRoles().List),
		typed(kubeinv.KindRoleBinding, gvr("rbac.authorization.k8s.io", "v1", "rolebindings"), k.RbacV1().RoleBindings(all).List),
		typed(kubeinv.KindClusterRoleBinding, gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), k.RbacV1().ClusterRoleBindings().List),
		typed(kubeinv.KindNetworkPolicy, gvr("networking.k8s.io", "v1", "networkpolicies"), k.NetworkingV1().NetworkPolicies(all).List),
		typed(kubeinv.KindService, gvr("", "v1", "services"), k.CoreV1().Services(all).List),
		typed(kubeinv.KindIngress, gvr("networking.k8s.io", "v1", "ingresses"), k.NetworkingV1().Ingresses(all).List),
		typed(kubeinv.KindPersistentVolumeClaim, gvr("", "v1", "persistentvolumeclaims"), k.CoreV1().PersistentVolumeClaims(all).List),
		typed(kubeinv.KindStorageClass, gvr("storage.k8s.io", "v1", "storageclasses"), k.StorageV1().StorageClasses().List),
		typed(kubeinv.KindResourceQuota, gvr("", "v1", "resourcequotas"), k.CoreV1().ResourceQuotas(all).List),
		typed(kubeinv.KindLimitRange, gvr("", "v1", "limitranges"), k.CoreV1().LimitRanges(all).List),
		typed(kubeinv.KindPodDisruptionBudget, gvr("policy", "v1", "poddisruptionbudgets"), k.PolicyV1().PodDisruptionBudgets(all).List),
		typed(kubeinv.KindHorizontalPodAutoscaler, gvr("autoscaling", "v2", "horizontalpodautoscalers"), k.AutoscalingV2().HorizontalPodAutoscalers(all).List),
	}
	if opts.SecretMetadata {
		out = append(out, secretsMetadata(c))
	}
	return out
}

// secretsMetadata lists Secrets through the metadata API: the server sends only
// metadata (PartialObjectMetadata), so Secret data never reaches this process.
func secretsMetadata(c Clients) resourceType {
	list := c.Metadata.Resource(secretsGVR).Namespace(metav1.NamespaceAll).List
	return resourceType{
		source:   sourceOf(secretsGVR),
		resource: secretsGVR.Resource,
		kind:     kubeinv.KindSecret,
		page: func(ctx context.Context, opts metav1.ListOptions, add func(runtime.Object)) (string, error) {
			l, err := list(ctx, opts)
			if err != nil {
				return "", err
			}
			for i := range l.Items {
				// Items come typed as meta.k8s.io PartialObjectMetadata; say what they are.
				l.Items[i].TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
				// kubectl's client-side apply keeps a copy of the Secret, data included, in
				// this annotation: the metadata API cannot hold it back, so drop it at once
				// (kubeinv.Add strips it too).
				delete(l.Items[i].Annotations, kubeinv.LastAppliedAnnotation)
				add(&l.Items[i])
			}
			return l.Continue, nil
		},
	}
}

// veleroKinds maps the Velero resources to their API Kind and their kubeinv kind name.
var veleroKinds = map[string]struct{ api, inventory string }{
	"schedules": {"Schedule", kubeinv.KindVeleroSchedule},
	"backups":   {"Backup", kubeinv.KindVeleroBackup},
}

// dynamicResource lists a custom resource (Velero Schedules and Backups).
func dynamicResource(d dynamic.Interface, r schema.GroupVersionResource) resourceType {
	kind := veleroKinds[r.Resource]
	list := d.Resource(r).Namespace(metav1.NamespaceAll).List
	return resourceType{
		source:   sourceOf(r),
		resource: r.Resource,
		kind:     kind.inventory,
		page: func(ctx context.Context, opts metav1.ListOptions, add func(runtime.Object)) (string, error) {
			l, err := list(ctx, opts)
			if err != nil {
				return "", err
			}
			for i := range l.Items {
				if l.Items[i].GetKind() == "" {
					l.Items[i].SetGroupVersionKind(r.GroupVersion().WithKind(kind.api))
				}
				add(&l.Items[i])
			}
			return l.GetContinue(), nil
		},
	}
}

// listAll lists one resource type page by page into a fresh inventory. A continue token
// that expires (410) restarts the list once from the start; a second expiry, a
// forbidden or failed request or the timeout end it with a CollectionError, keeping
// what was listed so far.
func listAll(ctx context.Context, rt resourceType, opts Options) (*kubeinv.Inventory, ResourceStat, *posture.CollectionError) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	stat := ResourceStat{Source: rt.source}
	inv := &kubeinv.Inventory{}
	var bad int
	var firstBad error
	add := func(o runtime.Object) {
		if m, ok := o.(metav1.Object); ok {
			stripObject(m)
		}
		if err := inv.Add(o); err != nil {
			if bad++; firstBad == nil {
				firstBad = err
			}
			return
		}
		stat.Objects++
	}
	fail := func(msg string) (*kubeinv.Inventory, ResourceStat, *posture.CollectionError) {
		stat.Failed = true
		stat.Duration = time.Since(start)
		return inv, stat, &posture.CollectionError{Source: rt.source, Message: msg}
	}
	lo := metav1.ListOptions{Limit: opts.PageSize}
	for {
		cont, err := rt.page(ctx, lo, add)
		if err != nil {
			if lo.Continue != "" && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
				if stat.Restarts == 0 {
					opts.Logger.Debug("continue token expired; restarting list", "source", rt.source, "pages", stat.Pages)
					stat.Restarts++
					inv, stat.Objects, stat.Pages, bad, firstBad = &kubeinv.Inventory{}, 0, 0, 0, nil
					lo.Continue = ""
					continue
				}
				return fail(fmt.Sprintf("continue token expired twice (410 Gone): %s changed faster than they could be paged %d at a time", rt.resource, opts.PageSize))
			}
			return fail(describe(ctx, err, "list "+rt.resource, opts.Timeout))
		}
		stat.Pages++
		if cont == "" {
			break
		}
		if cont == lo.Continue {
			return fail("the API server returned the same continue token twice; stopped paging")
		}
		lo.Continue = cont
	}
	stat.Duration = time.Since(start)
	if bad > 0 {
		stat.Failed = true
		return inv, stat, &posture.CollectionError{Source: rt.source,
			Message: fmt.Sprintf("%d of %d objects could not be read, e.g. %v", bad, bad+stat.Objects, firstBad)}
	}
	return inv, stat, nil
}

// describe turns an API error into a CollectionError message a person can act on.
func describe(ctx context.Context, err error, action string, timeout time.Duration) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %v", timeout)
	case apierrors.IsForbidden(err):
		return "forbidden: the collector's role cannot " + action
	case apierrors.IsUnauthorized(err):
		return "unauthorized: the API server rejected the collector's credentials"
	case apierrors.IsNotFound(err):
		return "not found: the API server does not serve this resource"
	case apierrors.IsTooManyRequests(err):
		return "throttled by the API server (429): " + apiMessage(err)
	case apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err):
		return "the API server timed out: " + apiMessage(err)
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return fmt.Sprintf("API error %d: %s", status.Status().Code, apiMessage(err))
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return "cannot reach the API server: " + err.Error()
	}
	return err.Error()
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

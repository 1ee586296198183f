package kubeinv

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func runningPod(name, image, imageID string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: meta("shop", name, "p-"+name, ctrl("ReplicaSet", "web-1", "r1")),
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox:1"}},
			Containers:     []corev1.Container{{Name: "web", Image: image}, {Name: "env", Image: "envoy:1", Env: []corev1.EnvVar{{Name: "TOKEN", Value: "s3cr3t"}}}},
		},
		Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", ImageID: "docker.io/library/busybox@sha256:0000"}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "web", Image: "docker.io/library/" + image, ImageID: imageID},
				{Name: "env"},                          // not started: no image ID
				{Name: "gone", ImageID: "sha256:ffff"}, // no such container in the spec
			}},
	}
	return p
}

// The images pods reported running reach their workload, distinct, whether the pods are
// held in full or were compacted to stubs.
func TestWorkloadPodImages(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprint("compact=", compact), func(t *testing.T) {
			inv := &Inventory{}
			for _, o := range []any{
				&appsv1.Deployment{ObjectMeta: meta("shop", "web", "d1")},
				&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-1", "r1", ctrl("Deployment", "web", "d1"))},
				runningPod("a", "nginx:1.27", "docker.io/library/nginx@sha256:aaaa"),
				runningPod("b", "nginx:1.27", "docker.io/library/nginx@sha256:aaaa"),
				runningPod("c", "nginx:1.27", "docker.io/library/nginx@sha256:bbbb"),
				&corev1.Pod{ObjectMeta: meta("shop", "bare", "p9"), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sh", Image: "busybox:latest"}}},
					Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "sh", ImageID: "sha256:cccc"}}}},
			} {
				if err := inv.Add(o); err != nil {
					t.Fatal(err)
				}
			}
			if compact {
				inv.Compact()
				if len(inv.Pods) != 1 {
					t.Fatalf("pods held in full after Compact = %d, want the bare one", len(inv.Pods))
				}
			}
			ws := inv.Workloads()
			if len(ws) != 2 {
				t.Fatalf("workloads = %s", keys(ws))
			}
			want := []PodImage{
				{Container: "container:web", Image: "nginx:1.27", Digest: "sha256:aaaa"},
				{Container: "container:web", Image: "nginx:1.27", Digest: "sha256:bbbb"},
				{Container: "initContainer:init", Image: "busybox:1", Digest: "sha256:0000"},
			}
			got := slices.Clone(ws[0].PodImages)
			slices.SortFunc(got, func(a, b PodImage) int {
				return strings.Compare(a.Container+a.Digest, b.Container+b.Digest)
			})
			if ws[0].Key() != "apps/Deployment/shop/web" || !slices.Equal(got, want) {
				t.Errorf("%s pod images = %+v, want %+v", ws[0].Key(), got, want)
			}
			if bare := ws[1].PodImages; len(bare) != 1 || bare[0].Digest != "sha256:cccc" || bare[0].Image != "busybox:latest" {
				t.Errorf("bare pod images = %+v", bare)
			}
		})
	}
}

func TestImageDigest(t *testing.T) {
	for in, want := range map[string]string{
		"docker-pullable://nginx@sha256:ab":  "sha256:ab",
		"docker.io/library/nginx@sha256:ab":  "sha256:ab",
		"sha256:cd":                          "sha256:cd",
		"registry:5000/a/b:1@sha256:ef":      "sha256:ef",
		strings.Repeat("x", 1000) + "@sha:1": "sha:1",
	} {
		if got := ImageDigest(in); got != want {
			t.Errorf("ImageDigest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ImageDigest(strings.Repeat("y", 5000)); len(got) != maxDigestLen {
		t.Errorf("a 5,000-byte image ID kept %d bytes", len(got))
	}
}

// A hostile cluster cannot make a workload remember unbounded images.
func TestWorkloadPodImagesBounded(t *testing.T) {
	inv := &Inventory{}
	_ = inv.Add(&appsv1.Deployment{ObjectMeta: meta("shop", "web", "d1")})
	_ = inv.Add(&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-1", "r1", ctrl("Deployment", "web", "d1"))})
	for i := range 500 {
		_ = inv.Add(runningPod(fmt.Sprint("p", i), "nginx:1.27", fmt.Sprintf("nginx@sha256:%04d", i)))
	}
	inv.Compact()
	if n := len(inv.Workloads()[0].PodImages); n != maxPodImages {
		t.Errorf("pod images kept = %d, want the bound %d", n, maxPodImages)
	}
}

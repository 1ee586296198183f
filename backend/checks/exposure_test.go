package checks

import (
	"fmt"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

func TestExposure(t *testing.T) {
	res := manifests.NewResult()
	manifests.DecodeBytes([]byte(`apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {environment: Production}}
---
apiVersion: v1
kind: Namespace
metadata: {name: tools}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: tools}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec: {hostPID: true, containers: [{name: a, image: agent}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: debug, namespace: team-prod}
spec:
  template:
    metadata: {labels: {app: debug}}
    spec: {containers: [{name: d, image: debug, securityContext: {privileged: true}}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: agent, namespace: tools}
spec: {selector: {app: agent}, ports: [{port: 9100}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]}}]
`), "exposure.yaml", manifests.Options{}, res)
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	snap := NewSnapshot(res.Inventory, fixtureConfig())
	exposure := snap.Exposure()
	got := map[string]string{}
	for i := range snap.workloadAssets {
		a := &snap.workloadAssets[i]
		got[a.Key] = fmt.Sprint(exposure(a).Names())
	}
	want := map[string]string{
		"apps/Deployment/shop/web":        "[internet-facing production]", // LoadBalancer Service
		"apps/Deployment/shop/api":        "[internet-facing production]", // routed to by an Ingress
		"apps/DaemonSet/tools/agent":      "[privileged]",                 // hostPID; its Service is internal
		"apps/Deployment/team-prod/debug": "[privileged production]",      // named *-prod, no Namespace object
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: exposure %s, want %s", k, got[k], w)
		}
	}
	ingress := posture.Asset{Key: "networking.k8s.io/Ingress/shop/api", Namespace: "shop"}
	if e := exposure(&ingress); e != posture.ExposureInternet|posture.ExposureProduction {
		t.Errorf("ingress exposure = %v", e.Names())
	}
	tools := posture.Asset{Kind: posture.AssetNamespace, Key: "Namespace/tools", Name: "tools"}
	if e := exposure(&tools); e != 0 {
		t.Errorf("namespace tools exposure = %v, want none", e.Names())
	}
	image := posture.Asset{Kind: posture.AssetImage, Key: "image/sha256:abc"}
	if e := exposure(&image); e != 0 {
		t.Errorf("image exposure = %v, want none", e.Names())
	}
}

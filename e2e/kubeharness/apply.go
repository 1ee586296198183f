package kubeharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

// VeleroCRD is a minimal stand-in for one of Velero's CRDs: same group, names and scope,
// permissive schema. Enough for Schedules and Backups to be created and listed.
func VeleroCRD(kind, plural string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": plural + ".velero.io"},
		"spec": map[string]any{
			"group": "velero.io", "scope": "Namespaced",
			"names": map[string]any{"kind": kind, "listKind": kind + "List", "plural": plural, "singular": strings.ToLower(kind)},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}},
		},
	}}
}

// Apply creates every object of a multi-document YAML stream as admin, namespaces first,
// and returns how many it created. Objects that exist already are left alone.
func (c *Cluster) Apply(ctx context.Context, manifests []byte) (int, error) {
	objs, err := decodeAll(manifests)
	if err != nil {
		return 0, err
	}
	dyn, err := dynamic.NewForConfig(c.AdminConfig())
	if err != nil {
		return 0, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(c.AdminConfig())
	if err != nil {
		return 0, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	created := 0
	for _, pass := range []func(*unstructured.Unstructured) bool{
		func(o *unstructured.Unstructured) bool { return o.GetKind() == "Namespace" },
		func(o *unstructured.Unstructured) bool { return o.GetKind() != "Namespace" },
	} {
		for _, o := range objs {
			if !pass(o) {
				continue
			}
			m, err := mapper.RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version)
			if err != nil {
				return created, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
			}
			r := dyn.Resource(m.Resource)
			var ri dynamic.ResourceInterface = r
			if m.Scope.Name() == meta.RESTScopeNameNamespace {
				ns := o.GetNamespace()
				if ns == "" {
					ns = "default"
				}
				ri = r.Namespace(ns)
			}
			if _, err := ri.Create(ctx, o, metav1.CreateOptions{}); err != nil {
				if apierrors.IsAlreadyExists(err) {
					continue
				}
				return created, fmt.Errorf("create %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
			}
			created++
		}
	}
	return created, nil
}

func decodeAll(manifests []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifests), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

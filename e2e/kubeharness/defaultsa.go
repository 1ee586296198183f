package kubeharness

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// startDefaultServiceAccounts stands in for kube-controller-manager's
// serviceaccounts controller, which is not running here: it creates the
// "default" ServiceAccount in every namespace. That keeps the ServiceAccount
// admission plugin enabled (as in every real cluster, so Pods get
// serviceAccountName and the projected token volume) without Pod creation
// failing with "serviceaccount default not found"; the plugin retries the
// default SA lookup for about a second, which covers a brand-new namespace.
//
// ctx bounds only the initial sync; the returned func stops the watcher.
func startDefaultServiceAccounts(ctx context.Context, cfg *rest.Config) (func(), error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	factory := informers.NewSharedInformerFactory(cs, 0)
	_, err = factory.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if ns, ok := obj.(*corev1.Namespace); ok {
				ensureDefaultServiceAccount(cs, ns.Name)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	stopCh := make(chan struct{})
	stop := func() { close(stopCh); factory.Shutdown() }
	factory.Start(stopCh)
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			stop()
			return nil, fmt.Errorf("kubeharness: %v informer did not sync", typ)
		}
	}
	return stop, nil
}

// ensureDefaultServiceAccount ignores errors: AlreadyExists is the goal, and
// a Terminating namespace or a stopping apiserver need no service account.
func ensureDefaultServiceAccount(cs kubernetes.Interface, namespace string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	_, _ = cs.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{})
}

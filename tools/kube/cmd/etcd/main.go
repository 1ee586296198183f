// Command etcd is the etcd server, built from the same etcd release that
// k8s.io/kubernetes pins, so kube-apiserver and etcd are a tested pair.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

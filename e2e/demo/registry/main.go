// Command registry runs the demo's OCI registry for `make run` (package demoregistry): it
// prints "registry ready <url>" once seeded and serves until stopped. It writes, in --dir,
// the CA, the credentials file and the trust policy that trusts the demo signing key.
//
//	go run ./e2e/demo/registry --dir data/demo-registry --addr 127.0.0.1:5443
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade-dev/palisade/e2e/demo/demoregistry"
)

func main() {
	dir := flag.String("dir", "data/demo-registry", "where the registry keeps its data, CA and the files Palisade reads")
	addr := flag.String("addr", "127.0.0.1:5443", "listen address")
	flag.Parse()
	log.SetFlags(0)
	r, err := demoregistry.Start(*dir, *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("registry ready %s\n", r.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-sig:
		r.Stop()
	case err := <-r.Done():
		log.Fatalf("docker-registry stopped: %v", err)
	}
}

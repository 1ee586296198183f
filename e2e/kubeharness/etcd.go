package kubeharness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// etcdHTTP has a timeout because a wedged etcd must not hang start-up.
var etcdHTTP = &http.Client{Timeout: 2 * time.Second}

// startEtcd runs a single-member etcd on two free loopback ports and returns
// once it answers /health. The client URL is what kube-apiserver needs.
func startEtcd(ctx context.Context, bin, dir string) (*process, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	args := []string{
		"--name=harness",
		"--data-dir=" + filepath.Join(dir, "etcd-data"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=harness=" + peerURL,
		// Throwaway data: skipping fsync makes every apiserver write cheap.
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
	p, err := startProcess("etcd", bin, filepath.Join(dir, "etcd.log"), args)
	if err != nil {
		return nil, "", err
	}
	health := func(ctx context.Context) bool { return probe(ctx, etcdHTTP, clientURL+"/health", "") }
	if err := waitUntil(ctx, p, clientURL+"/health", health); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, clientURL, nil
}

// freePort asks the kernel for an unused loopback port. Another process can
// grab it before ours binds; StartProcess retries the bring-up for that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitUntil polls ready until it holds, the process dies, or ctx ends.
func waitUntil(ctx context.Context, p *process, what string, ready func(context.Context) bool) error {
	for {
		if err := p.exited(); err != nil {
			return err
		}
		if ready(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w; log tail:\n%s", p.name, what, ctx.Err(), p.logTail(30))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probe reports whether url answers 200; token, if set, is sent as a bearer.
func probe(ctx context.Context, client *http.Client, url, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

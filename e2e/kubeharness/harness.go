package kubeharness

import (
	"errors"
	"os"
	"strconv"
	"testing"
)

// Start runs a cluster for the test and stops it in t.Cleanup. Without
// binaries the test is skipped, except under CI=true, where a silent skip
// would hide a broken pipeline, so it fails.
func Start(t testing.TB) *Cluster {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options; opts.Dir defaults to t.TempDir().
func StartWith(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.BinDir == "" {
		dir, err := FindBinaries(t.Context())
		if err != nil {
			unavailable(t, err)
		}
		opts.BinDir = dir
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := StartProcess(t.Context(), opts)
	if err != nil {
		t.Fatalf("kubeharness: start: %v", err)
	}
	// Registered after t.TempDir, so it runs before the dir is removed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kube-apiserver log tail:\n%s", c.LogTail(40))
		}
		c.Stop()
	})
	return c
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if inCI() || !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("%v (run scripts/kube-tools.sh or set %s)", err, BinDirEnv)
	}
	t.Skipf("%v (run scripts/kube-tools.sh or set %s)", err, BinDirEnv)
}

func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

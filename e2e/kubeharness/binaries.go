package kubeharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// BinDirEnv names a directory holding kube-apiserver and etcd. When set it
// wins over the version-keyed cache filled by scripts/kube-tools.sh.
const BinDirEnv = "PALISADE_KUBE_BIN_DIR"

const toolsScript = "scripts/kube-tools.sh"

// ErrNoBinaries reports that kube-apiserver/etcd could not be found or built;
// Start turns it into a skip (or a failure under CI=true).
var ErrNoBinaries = errors.New("kubeharness: kube-apiserver/etcd binaries unavailable")

var (
	binMu  sync.Mutex
	binDir string // cached result of a successful FindBinaries
)

// FindBinaries returns the directory holding kube-apiserver and etcd. On a
// cache miss it runs scripts/kube-tools.sh, which takes minutes the first
// time on a machine and is instant afterwards.
func FindBinaries(ctx context.Context) (string, error) {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		return binDir, nil
	}
	dir, err := locateBinaries(ctx)
	if err != nil {
		return "", err
	}
	binDir = dir
	return dir, nil
}

func locateBinaries(ctx context.Context) (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		return dir, checkBinaries(dir)
	}
	script, err := findScript()
	if err != nil {
		return "", err
	}
	// --print is cheap: it only computes the cache path, so a warm cache
	// costs no build tool invocation at all.
	if dir, err := runScript(ctx, script, "--print"); err == nil && checkBinaries(dir) == nil {
		return dir, nil
	}
	dir, err := runScript(ctx, script)
	if err != nil {
		return "", err
	}
	return dir, checkBinaries(dir)
}

func checkBinaries(dir string) error {
	for _, name := range []string{"kube-apiserver", "etcd"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode()&0o111 == 0 {
			return fmt.Errorf("%w: %s missing in %s", ErrNoBinaries, name, dir)
		}
	}
	return nil
}

// findScript walks up from the working directory because tests run in their
// package directory and cmd tools usually from the repo root.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, toolsScript)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: %s not found above the working directory", ErrNoBinaries, toolsScript)
		}
		dir = parent
	}
}

// runScript returns the last stdout line, which the script guarantees to be
// the binary directory; its progress goes to our stderr.
func runScript(ctx context.Context, script string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s %s: %v", ErrNoBinaries, script, strings.Join(args, " "), err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

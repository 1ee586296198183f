//go:build linux

package kubeharness

import (
	"os"
	"syscall"
)

// Own process group so signalGroup reaches every descendant; Pdeathsig makes
// the kernel kill the child if the test binary dies without running cleanups
// (panic, go test -timeout), which is what would otherwise leak apiservers.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	// Negative pid addresses the process group created by Setpgid.
	_ = syscall.Kill(-p.Pid, sig)
}

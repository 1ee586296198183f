//go:build !linux

package kubeharness

import (
	"os"
	"syscall"
)

// Outside Linux (developer laptops) there is no portable process-group API in
// syscall, so only the direct child is killed.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(p *os.Process, kill bool) {
	if kill {
		_ = p.Kill()
		return
	}
	_ = p.Signal(os.Interrupt)
}

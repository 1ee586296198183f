package kubeharness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// process is one child (etcd or kube-apiserver) running in its own process
// group with output in a log file, so Stop can kill it and anything it forked.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	err     error         // exit status, valid after done is closed
}

func startProcess(name, bin, logPath string, args []string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports a premature exit so readiness loops fail fast instead of
// waiting for the whole start-up timeout.
func (p *process) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited early (%v); log tail:\n%s", p.name, p.err, p.logTail(30))
	default:
		return nil
	}
}

// stop asks politely first (etcd and the apiserver exit in well under a
// second on SIGTERM), then kills the whole group.
func (p *process) stop() {
	if p == nil {
		return
	}
	signalGroup(p.cmd.Process, false)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		signalGroup(p.cmd.Process, true)
		<-p.done
	}
}

func (p *process) logTail(lines int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	all := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return string(bytes.Join(all, []byte("\n")))
}

//go:build unix

package lambda

import (
	"os/exec"
	"syscall"
)

var terminate = syscall.SIGTERM

// setProcessGroup puts the emulator in a process group of its own, which
// the function process it starts joins.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills what is left of the emulator's process group (the
// group's id is the emulator's pid).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

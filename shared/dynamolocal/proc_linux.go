package dynamolocal

import (
	"os/exec"
	"syscall"
)

// setParentDeath has the kernel kill Java when this process dies, so a
// test binary killed by its timeout leaves no DynamoDB Local behind.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

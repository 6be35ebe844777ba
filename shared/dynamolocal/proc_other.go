//go:build !linux

package dynamolocal

import "os/exec"

// setParentDeath does nothing where the kernel has no parent-death signal;
// Stop ends the process.
func setParentDeath(*exec.Cmd) {}

//go:build !unix

package lambda

import (
	"os"
	"os/exec"
)

var terminate = os.Kill

func setProcessGroup(*exec.Cmd) {}

func killGroup(*exec.Cmd) {}

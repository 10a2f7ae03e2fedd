//go:build linux

package localnet

import "syscall"

// sysProcAttr kills the localnet if the test process dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

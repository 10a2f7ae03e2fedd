//go:build linux

package localnet

import "syscall"

// sysProcAttr kills the localnet if its parent dies without cleaning up, and gives it its
// own process group: a Ctrl-C at the terminal reaches only the parent, which stops the
// localnet with SIGTERM (it then saves its state).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

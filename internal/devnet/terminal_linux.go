//go:build linux

package devnet

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// TakeTerminal makes this process the terminal's foreground process group when it is in
// it (started from a terminal, by make): a Ctrl-C then reaches only this process, not
// make, which would print "*** Interrupt" and fail; this process stops its services and
// exits 0, and make with it. The returned function gives the terminal back to the group
// that had it. Without a terminal it does nothing.
func TakeTerminal() (restore func()) {
	fd := int(os.Stdin.Fd())
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != syscall.Getpgrp() {
		return func() {}
	}
	// A background group that sets the terminal's group gets SIGTTOU; Ctrl-Z would stop
	// us with the terminal still ours and make waiting.
	signal.Ignore(syscall.SIGTTOU, syscall.SIGTSTP)
	if err := syscall.Setpgid(0, 0); err != nil {
		return func() {}
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, syscall.Getpid()); err != nil {
		_ = syscall.Setpgid(0, fg)
		return func() {}
	}
	return func() { _ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, fg) }
}

//go:build !linux

package devnet

// TakeTerminal does nothing outside Linux: a Ctrl-C reaches make too.
func TakeTerminal() (restore func()) { return func() {} }

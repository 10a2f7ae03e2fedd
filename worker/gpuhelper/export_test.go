package gpuhelper

import "os"

// Process is the running helper's process, nil when none runs.
func (b *Backend) Process() *os.Process {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc == nil {
		return nil
	}
	return b.proc.cmd.Process
}

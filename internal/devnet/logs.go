package devnet

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// logDirLayout names each start's log directory: UTC, sortable, no colons.
const logDirLayout = "20060102T150405Z"

// newLogDir creates logs/<UTC start time>/ and points logs/latest at it.
func newLogDir(logs string, now time.Time) (string, error) {
	name := now.UTC().Format(logDirLayout)
	dir := filepath.Join(logs, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create log dir: %w", err)
	}
	// Replace the link atomically: a new link beside it, renamed over it.
	tmp := filepath.Join(logs, ".latest")
	_ = os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return "", fmt.Errorf("link latest logs: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(logs, "latest")); err != nil {
		return "", fmt.Errorf("link latest logs: %w", err)
	}
	return dir, nil
}

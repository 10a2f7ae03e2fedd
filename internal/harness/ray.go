package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// RayClient runs the Ray venv's program (ray, python) as a client of a token-authenticated
// cluster, with HOME set to home (so that no ~/.ray/auth_token is found) and token in a file
// of its own there, or without any token when it is empty; it returns the combined output.
func RayClient(home, venv, token, program string, args ...string) (string, error) {
	env := []string{"HOME=" + home, "PATH=" + filepath.Join(venv, "bin") + ":/usr/bin:/bin", "RAY_USAGE_STATS_ENABLED=0"}
	if token != "" {
		path := filepath.Join(home, "token")
		if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
			return "", err
		}
		env = append(env, "RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH="+path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(venv, "bin", program), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

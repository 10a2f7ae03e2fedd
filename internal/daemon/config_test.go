package daemon

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testConfig struct {
	Base
	RPC      string `key:"rpc" usage:"Solana RPC URL"`
	Workers  int    `key:"workers"`
	Password string `key:"db-password" secret:"true"`
}

func (c *testConfig) Validate() error {
	if err := c.Base.Validate(); err != nil {
		return err
	}
	if c.Workers < 1 {
		return fmt.Errorf("%w: workers %d < 1", ErrInvalidConfig, c.Workers)
	}
	return nil
}

func defaultTestConfig() testConfig {
	return testConfig{Base: DefaultBase(), RPC: "http://127.0.0.1:8899", Workers: 1}
}

func writeFile(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "cfg.json")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func TestLoadPrecedence(t *testing.T) {
	file := `{"// rpc": "a comment, skipped", "rpc": "http://file:1", "workers": 3, "shutdown-timeout": "7s", "db-password": "from-file"}`
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want testConfig
	}{
		{"defaults", nil, nil, defaultTestConfig()},
		{"file over defaults", nil, []string{"-config", "FILE"},
			testConfig{Base: Base{Listen: "127.0.0.1:9090", LogLevel: "info", ShutdownTimeout: 7 * time.Second}, RPC: "http://file:1", Workers: 3, Password: "from-file"}},
		{"env over file", map[string]string{"GPUNET_TESTD_WORKERS": "5", "GPUNET_TESTD_LOG_LEVEL": "debug"}, []string{"-config", "FILE"},
			testConfig{Base: Base{Listen: "127.0.0.1:9090", LogLevel: "debug", ShutdownTimeout: 7 * time.Second}, RPC: "http://file:1", Workers: 5, Password: "from-file"}},
		{"flags over env over file", map[string]string{"GPUNET_TESTD_WORKERS": "5", "GPUNET_TESTD_RPC": "http://env:2"}, []string{"-config", "FILE", "-workers", "9", "--listen", ":0"},
			testConfig{Base: Base{Listen: ":0", LogLevel: "info", ShutdownTimeout: 7 * time.Second}, RPC: "http://env:2", Workers: 9, Password: "from-file"}},
		{"config file from env", map[string]string{"GPUNET_TESTD_CONFIG": "FILE"}, []string{"-rpc", "http://flag:3"},
			testConfig{Base: Base{Listen: "127.0.0.1:9090", LogLevel: "info", ShutdownTimeout: 7 * time.Second}, RPC: "http://flag:3", Workers: 3, Password: "from-file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, file)
			for k, v := range tc.env {
				t.Setenv(k, strings.ReplaceAll(v, "FILE", path))
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "FILE", path)
			}
			cfg := defaultTestConfig()
			require.NoError(t, Load("testd", args, &cfg))
			require.Equal(t, tc.want, cfg)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want string
	}{
		{"validate: workers", "", nil, []string{"-workers", "0"}, "invalid config: workers 0 < 1"},
		{"validate: every base error", "", nil, []string{"-listen", "", "-log-level", "loud", "-shutdown-timeout", "0s"},
			"invalid config: listen is empty\ninvalid config: log-level \"loud\": want debug, info, warn or error\ninvalid config: shutdown-timeout 0s is not positive"},
		{"bad flag value", "", nil, []string{"-workers", "many"}, `flag: invalid config: workers: strconv.ParseInt: parsing "many": invalid syntax`},
		{"unknown flag", "", nil, []string{"-nope"}, "invalid config: flag provided but not defined: -nope"},
		{"extra argument", "", nil, []string{"serve"}, `invalid config: unexpected arguments ["serve"]`},
		{"bad env value", "", map[string]string{"GPUNET_TESTD_SHUTDOWN_TIMEOUT": "soon"}, nil, `env GPUNET_TESTD_SHUTDOWN_TIMEOUT: invalid config: shutdown-timeout: time: invalid duration "soon"`},
		{"unknown file key", `{"rcp": "x"}`, nil, nil, `unknown key "rcp"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := tc.args
			if tc.file != "" {
				args = append([]string{"-config", writeFile(t, tc.file)}, args...)
			}
			cfg := defaultTestConfig()
			err := Load("testd", args, &cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			if tc.file != "" {
				require.True(t, strings.HasSuffix(err.Error(), tc.want), err.Error())
			} else {
				require.EqualError(t, err, tc.want)
			}
		})
	}
}

func TestConfigLoggedMasked(t *testing.T) {
	var logs bytes.Buffer
	cfg := defaultTestConfig()
	d, err := New("testd", []string{"-listen", "127.0.0.1:0", "-db-password", "hunter2-secret"}, &cfg, &logs)
	require.NoError(t, err)
	require.NoError(t, d.listener.Close())
	require.Equal(t, "hunter2-secret", cfg.Password)
	require.NotContains(t, logs.String(), "hunter2")
	line, _, _ := strings.Cut(logs.String(), "\n")
	require.Regexp(t, `^\{"time":"[^"]+","level":"INFO","msg":"config","component":"testd","listen":"127.0.0.1:0","log-level":"info","shutdown-timeout":"10s","rpc":"http://127.0.0.1:8899","workers":1,"db-password":"\*\*\*"\}$`, line)
}

package worker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/worker/gpu"
	"github.com/gpunet/gpunet/worker/ray"
)

// Name is the daemon's name: its config's environment prefix (GPUNET_WORKER_*), log component
// and metrics subsystem (gpunet_worker_*).
const Name = "worker"

// Config is the worker's configuration: a file, then GPUNET_WORKER_* variables, then flags.
type Config struct {
	daemon.Base
	network.Options
	DeviceKeypair    string        `key:"device-keypair" usage:"the device's keypair file (mode 0600), written by init"`
	OwnerKeypair     string        `key:"owner-keypair" usage:"the owner wallet's keypair file that register signs with (empty: the Solana CLI's default; or sign offline with --sign-only)"`
	Oracles          string        `key:"oracles" usage:"comma-separated oracle base URLs; their keys are read from the registry on chain"`
	StateDir         string        `key:"state-dir" usage:"directory of the worker's state (the heartbeat sequence)"`
	DetectInterval   time.Duration `key:"detect-interval" usage:"how often the hardware is detected again"`
	ConfigRefresh    time.Duration `key:"config-refresh" usage:"how often the registry config (heartbeat interval, oracle keys) is read again"`
	HardwareModel    int           `key:"hardware-model" usage:"registry hardware model to register: -1 detects it, 0 CPU, 1 RTX 4090, 2 A100 80G, 3 H100, 4 H200, 5 B200"`
	VramGib          uint32        `key:"vram-gib" usage:"VRAM per GPU to register in GiB (0: detected)"`
	GPUCount         uint16        `key:"gpu-count" usage:"number of GPUs to register (0: detected)"`
	Region           uint16        `key:"region" usage:"the host's ISO 3166-1 numeric country code"`
	BandwidthTier    uint8         `key:"bandwidth-tier" usage:"0: 1600/1200 MB/s, 1: 800/600, 2: 400/300, 3: 100/10"`
	AskingPrice      uint64        `key:"asking-price" usage:"IOSD base units per GPU-hour you ask (used once the renter loop lands)"`
	ProviderMetadata string        `key:"provider-metadata" usage:"metadata URI of your Provider, set when register creates it"`
	RayAddress       string        `key:"ray-address" usage:"the IP this host's Ray nodes advertise to a job's other nodes (empty: the device accepts no jobs)"`
	RayPortBase      int           `key:"ray-port-base" usage:"the first of the 109 ports a Ray node of this host uses"`
	Ray              string        `key:"ray" usage:"the ray executable of the pinned venv (target/venv/ray/bin/ray)"`
	RayCPUs          int           `key:"ray-cpus" usage:"CPUs a job's Ray node may use (0: all of this host's)"`
	JobEvery         time.Duration `key:"job-every" usage:"how often the worker looks for proposals and checks its job"`
	RayMemoryLimit   int64         `key:"ray-memory-limit" usage:"bytes of memory (its tmpfs included) a job's sandboxed Ray node may use, a cgroup limit (0: the job's memory + object store + 2 GiB when it sizes them, else 3/4 of the host's)"`
	RayPidsLimit     int64         `key:"ray-pids-limit" usage:"processes and threads a job's sandboxed Ray node may run, a cgroup limit"`
	RayDiskLimit     int64         `key:"ray-disk-limit" usage:"bytes of the tmpfs a job's sandboxed Ray node writes to (/job, /tmp); counted in its memory too"`
	RayStopOnExit    bool          `key:"ray-stop-on-exit" usage:"stop the job's Ray node when the worker exits (make dev); otherwise it keeps running and a restarted worker adopts it"`
	GPUHelper        string        `key:"gpu-helper" usage:"the proof-of-compute GPU helper's command line, space-separated: the venv's python, worker/gpuhelper/gpunet_poc.py, --device cuda (empty: the CPU backend only)"`
}

// DefaultConfig is the configuration before the file, environment and flags.
func DefaultConfig() Config {
	base := daemon.DefaultBase()
	base.Listen = "127.0.0.1:9101"
	return Config{Base: base, HardwareModel: -1, DetectInterval: time.Minute, ConfigRefresh: 5 * time.Minute,
		ProviderMetadata: "https://gpunet.example/provider.json", RayPortBase: 20000, JobEvery: 2 * time.Second,
		RayPidsLimit: ray.DefaultPids, RayDiskLimit: ray.DefaultDisk}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	errs := []error{c.Base.Validate()}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{daemon.ErrInvalidConfig}, args...)...))
	}
	if c.DeviceKeypair == "" {
		bad("device-keypair is empty (run `gpunet-worker init`)")
	}
	if _, err := c.OracleURLs(); err != nil {
		errs = append(errs, err)
	}
	if c.DetectInterval <= 0 || c.ConfigRefresh <= 0 {
		bad("detect-interval and config-refresh must be positive")
	}
	if c.HardwareModel < -1 || c.HardwareModel > 15 {
		bad("hardware-model %d: want -1 (detect) or 0-15", c.HardwareModel)
	}
	if c.RayAddress != "" && net.ParseIP(c.RayAddress) == nil {
		bad("ray-address %q is not an IP address", c.RayAddress)
	}
	if c.RayAddress != "" && c.Ray == "" {
		bad("ray is empty: name the pinned venv's ray executable, or leave ray-address empty to accept no jobs")
	}
	if c.RayMemoryLimit < 0 || c.RayPidsLimit < 0 || c.RayDiskLimit < 0 {
		bad("ray-memory-limit, ray-pids-limit and ray-disk-limit must be 0 (the default) or more")
	}
	if c.RayCPUs < 0 || c.JobEvery <= 0 {
		bad("ray-cpus must be 0 or more and job-every positive")
	}
	if c.BandwidthTier > 3 {
		bad("bandwidth-tier %d: want 0-3", c.BandwidthTier)
	}
	return errors.Join(errs...)
}

// OracleURLs are the configured oracles' base URLs.
func (c *Config) OracleURLs() ([]string, error) {
	var out []string
	for _, s := range strings.Split(c.Oracles, ",") {
		if s = strings.TrimRight(strings.TrimSpace(s), "/"); s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: oracles: %q is not an http(s) URL", daemon.ErrInvalidConfig, s)
		}
		out = append(out, s)
	}
	return out, nil
}

// Overrides are the hardware settings that replace detection.
func (c *Config) Overrides() gpu.Overrides {
	return gpu.Overrides{Model: c.HardwareModel, VramGib: c.VramGib, GPUCount: c.GPUCount, Region: c.Region, BandwidthTier: c.BandwidthTier}
}

// DefaultDir is where init writes and the other commands read by default.
func DefaultDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "gpunet-worker")
	}
	return ".gpunet-worker"
}

// ConfigFile is the config file in dir.
func ConfigFile(dir string) string { return filepath.Join(dir, "config.json") }

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/gpu"
	"github.com/gpunet/gpunet/worker/heartbeat"
)

// Status is the device as the chain, the host and each oracle see it, and why it is not
// hireable.
type Status struct {
	Device      solana.PublicKey `json:"device"`
	Chain       *OnChain         `json:"chain"` // nil: not registered
	Host        gpu.Report       `json:"host"`
	Oracles     []OracleView     `json:"oracles"`
	Hireable    bool             `json:"hireable"`
	NotHireable []Reason         `json:"not_hireable"`
}

// OnChain is what the registry holds about the device.
type OnChain struct {
	Status           string              `json:"status"`
	Stake            uint64              `json:"stake"`
	MinStake         uint64              `json:"min_stake"`
	ProvenUptimeSecs uint64              `json:"proven_uptime_secs"`
	ProbationSecs    int64               `json:"probation_secs"`
	LastProofWindow  uint64              `json:"last_proof_window"`
	Reputation       uint16              `json:"reputation"`
	CurrentJob       *solana.PublicKey   `json:"current_job"`
	PendingSlashes   uint16              `json:"pending_slashes"`
	RegistryPaused   bool                `json:"registry_paused"`
	Spec             registry.DeviceSpec `json:"spec"`
}

// OracleView is what one oracle answered about the device (its public status API).
type OracleView struct {
	URL    string           `json:"url"`
	Oracle solana.PublicKey `json:"oracle,omitzero"` // the registry oracle that signed the answer
	Code   int              `json:"http_status,omitempty"`
	Answer json.RawMessage  `json:"answer,omitempty"`
	Error  string           `json:"error,omitempty"` // down, or an answer no registry oracle signed
}

// Reason is one reason the device is not hireable, the program's error and its fix.
type Reason struct {
	Code    uint32 `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

var statusNames = map[uint8]string{registry.StatusProbation: "Probation", registry.StatusActive: "Active", registry.StatusHired: "Hired", registry.StatusSuspended: "Suspended", registry.StatusDeregistered: "Deregistered"}

// DeviceStatus reads the registry and asks each oracle in urls about device.
func DeviceStatus(ctx context.Context, n *network.Network, device solana.PublicKey, host gpu.Report, urls []string) (*Status, error) {
	rc, err := n.Registry.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, n.NotConfigured("registry", err)
	}
	s := &Status{Device: device, Host: host, NotHireable: []Reason{}}
	d, err := n.Registry.FetchDevice(ctx, n.Client, device)
	switch {
	case errors.Is(err, chain.ErrAccountNotFound):
		s.NotHireable = append(s.NotHireable, Reason{Name: "NotRegistered", Message: "the device is not registered", Fix: "run `gpunet-worker register`"})
	case err != nil:
		return nil, err
	default:
		min, _ := protocol.MinStake(&rc.Params, d.Spec.HardwareModel)
		s.Chain = &OnChain{Status: statusNames[d.Status], Stake: d.Stake, MinStake: min, ProvenUptimeSecs: d.ProvenUptimeSecs, ProbationSecs: rc.Params.ProbationSecs,
			LastProofWindow: d.LastProofWindow, Reputation: d.Reputation, PendingSlashes: d.PendingSlashes, RegistryPaused: rc.Paused != 0, Spec: d.Spec}
		if !d.CurrentJob.IsZero() {
			s.Chain.CurrentJob = &d.CurrentJob
		}
		for _, e := range protocol.NotHireable(rc, d) {
			s.NotHireable = append(s.NotHireable, reason(e, d, s.Chain))
		}
		s.Hireable = len(s.NotHireable) == 0
	}
	oracles := rc.Params.Oracles[:min(int(rc.Params.OracleCount), len(rc.Params.Oracles))]
	for _, url := range urls {
		s.Oracles = append(s.Oracles, askOracle(ctx, url, device, oracles))
	}
	return s, nil
}

// reason explains one of protocol.NotHireable's errors with what to do about it.
func reason(e *programerr.Error, d *registry.Device, c *OnChain) Reason {
	r := Reason{Code: e.Code, Name: e.Name, Message: e.Msg}
	switch {
	case e == registry.ErrProgramPaused:
		r.Fix = "the registry's admin paused it: wait until it resumes (nothing to do on this host)"
	case e == registry.ErrStakeBelowMinimum:
		r.Fix = fmt.Sprintf("stake %d more IO base units: `gpunet-worker register` tops up to the minimum", c.MinStake-c.Stake)
	case e == registry.ErrUnknownHardwareClass:
		r.Fix = fmt.Sprintf("the registry has no class for hardware model %d any more: unstake, deregister and register again", d.Spec.HardwareModel)
	case e == registry.ErrDeviceNotHireable && d.Status == registry.StatusProbation:
		left := uint64(max(c.ProbationSecs, 0)) - min(c.ProvenUptimeSecs, uint64(max(c.ProbationSecs, 0)))
		r.Fix = fmt.Sprintf("in probation: %d of %d s proven; keep `gpunet-worker run` online (oracles credit only heartbeats they receive live) for %d s more", c.ProvenUptimeSecs, c.ProbationSecs, left)
		if left == 0 {
			r.Fix = "probation served: it turns Active once its stake reaches the minimum"
		}
	case e == registry.ErrDeviceNotHireable && d.Status == registry.StatusHired:
		r.Fix = fmt.Sprintf("hired by job %s: it is hireable again once released", d.CurrentJob)
	case e == registry.ErrDeviceNotHireable && d.Status == registry.StatusSuspended:
		r.Fix = fmt.Sprintf("%d slash(es) pending: appeal to the registry's admin before the deadline, or wait until finalized", d.PendingSlashes)
	case e == registry.ErrDeviceNotHireable && d.Status == registry.StatusDeregistered:
		r.Fix = "deregistered: run `gpunet-worker init` in a new directory and register a new device key"
	default:
		r.Fix = "see the registry's README"
	}
	return r
}

// askOracle reads an oracle's public status of device; an answer counts only when a
// registry oracle signed it.
func askOracle(ctx context.Context, url string, device solana.PublicKey, oracles []solana.PublicKey) OracleView {
	v := OracleView{URL: url}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+wire.StatusPath+device.String(), nil)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		v.Error = "oracle down: " + err.Error()
		return v
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		v.Error = "read answer: " + err.Error()
		return v
	}
	v.Code = resp.StatusCode
	if v.Oracle, err = heartbeat.VerifyAnswer(resp.Header, body, oracles); err != nil {
		v.Error = err.Error()
		return v
	}
	if json.Valid(body) {
		v.Answer = body
	}
	return v
}

// PrintStatus writes s for people.
func PrintStatus(w io.Writer, s *Status) error {
	fmt.Fprintf(w, "Device %s\n\nOn chain:\n", s.Device)
	if c := s.Chain; c == nil {
		fmt.Fprintln(w, "  not registered")
	} else {
		job := "none"
		if c.CurrentJob != nil {
			job = c.CurrentJob.String()
		}
		fmt.Fprintf(w, "  status           %s\n  stake            %d of %d required (hardware model %d)\n  proven uptime    %d s of %d s probation\n  last window      %d\n  reputation       %d / 10000\n  current job      %s\n  pending slashes  %d\n",
			c.Status, c.Stake, c.MinStake, c.Spec.HardwareModel, c.ProvenUptimeSecs, c.ProbationSecs, c.LastProofWindow, c.Reputation, job, c.PendingSlashes)
	}
	fmt.Fprintln(w, "\nOn this host:")
	if s.Host.CPUOnly != "" {
		fmt.Fprintf(w, "  %s\n", s.Host.CPUOnly)
	}
	for _, g := range s.Host.GPUs {
		health := "healthy"
		if !g.Healthy {
			health = "UNHEALTHY"
		}
		fmt.Fprintf(w, "  %s %s, %d GiB, driver %s, CUDA %s, %d C, %d mW, %d%% busy, %d foreign processes, %s\n",
			g.UUID, g.Model, g.MemoryBytes>>30, g.Driver, g.CUDA, g.TemperatureC, g.PowerMilliW, g.UtilizationPc, g.ForeignProcesses, health)
	}
	for _, p := range s.Host.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", p)
	}
	fmt.Fprintln(w, "\nOracles:")
	for _, o := range s.Oracles {
		if o.Error != "" {
			fmt.Fprintf(w, "  %s: %s\n", o.URL, o.Error)
			continue
		}
		fmt.Fprintf(w, "  %s (%s): %d %s\n", o.URL, o.Oracle, o.Code, o.Answer)
	}
	if s.Hireable {
		_, err := fmt.Fprintln(w, "\nHireable.")
		return err
	}
	fmt.Fprintln(w, "\nNot hireable:")
	for _, r := range s.NotHireable {
		fmt.Fprintf(w, "  %s: %s\n    fix: %s\n", r.Name, r.Message, r.Fix)
	}
	return nil
}

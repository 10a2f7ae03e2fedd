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
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/gpu"
)

// Status is the device as the chain, the host and each oracle see it, and why it is not
// hireable.
type Status struct {
	Device solana.PublicKey `json:"device"`
	Chain  *OnChain         `json:"chain"` // nil: not registered
	Host   gpu.Report       `json:"host"`
	// HeartbeatIntervalSecs is the registry's: an oracle that has received nothing for more
	// than two of them counts the device down.
	HeartbeatIntervalSecs int64        `json:"heartbeat_interval_secs"`
	Oracles               []OracleView `json:"oracles"`
	// ReadyHereDownThere: the host finds no hardware problem, yet an oracle counts the device
	// down (each such oracle's Down says why and what to do).
	ReadyHereDownThere bool     `json:"ready_here_down_on_network"`
	Hireable           bool     `json:"hireable"`
	NotHireable        []Reason `json:"not_hireable"`
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
	Asks             Asks                `json:"asks"` // per device-hour (price set)
}

// OracleView is what one oracle answered about the device (its public status API).
type OracleView struct {
	URL    string           `json:"url"`
	Oracle solana.PublicKey `json:"oracle,omitzero"` // the registry oracle that signed the answer
	Code   int              `json:"http_status,omitempty"`
	// Seen is the oracle's view of the device; Refused its refusal to give it.
	Seen    *wire.DeviceStatus `json:"status,omitempty"`
	Refused *wire.Problem      `json:"refused,omitempty"`
	Error   string             `json:"error,omitempty"` // down, or an answer no registry oracle signed
	// Down is why this oracle counts the device down (or cannot count it), with the fix.
	Down *Reason `json:"down,omitempty"`
	err  error   // Error's cause
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
	s := &Status{Device: device, Host: host, HeartbeatIntervalSecs: rc.Params.HeartbeatIntervalSecs, NotHireable: []Reason{}}
	d, err := n.Registry.FetchDevice(ctx, n.Client, device)
	switch {
	case errors.Is(err, chain.ErrAccountNotFound):
		s.NotHireable = append(s.NotHireable, Reason{Name: "NotRegistered", Message: "the device is not registered", Fix: "run `gpunet-worker register`"})
	case err != nil:
		return nil, err
	default:
		min, _ := protocol.MinStake(&rc.Params, d.Spec.HardwareModel)
		s.Chain = &OnChain{Status: statusNames[d.Status], Stake: d.Stake, MinStake: min, ProvenUptimeSecs: d.ProvenUptimeSecs, ProbationSecs: rc.Params.ProbationSecs,
			LastProofWindow: d.LastProofWindow, Reputation: d.Reputation, PendingSlashes: d.PendingSlashes, RegistryPaused: rc.Paused != 0, Spec: d.Spec, Asks: asksOf(d)}
		if !d.CurrentJob.IsZero() {
			s.Chain.CurrentJob = &d.CurrentJob
		}
		for _, e := range protocol.NotHireable(rc, d) {
			s.NotHireable = append(s.NotHireable, reason(e, d, s.Chain))
		}
		s.Hireable = len(s.NotHireable) == 0
	}
	oracles := protocol.LiveOracles(&rc.Params)
	now := time.Now()
	for _, url := range urls {
		v := askOracle(ctx, url, device, oracles)
		v.Down = downReason(&v, s.Chain, time.Duration(s.HeartbeatIntervalSecs)*time.Second, now)
		s.ReadyHereDownThere = s.ReadyHereDownThere || v.Down != nil && len(host.Problems) == 0
		s.Oracles = append(s.Oracles, v)
	}
	return s, nil
}

// downReason says why the oracle of v counts the device down at now, given what the chain
// holds (nil: not registered) and the heartbeat interval; nil when it counts it up.
func downReason(v *OracleView, c *OnChain, interval time.Duration, now time.Time) *Reason {
	// refusal is what the oracles answer a heartbeat of a device in c's state ("" when they
	// take it).
	refusal := wire.Reason("")
	switch {
	case c == nil:
		refusal = wire.ReasonUnknownDevice
	case c.Status == statusNames[registry.StatusSuspended]:
		refusal = wire.ReasonSuspended
	case c.Status == statusNames[registry.StatusDeregistered]:
		refusal = wire.ReasonDeregistered
	}
	down := func(name, message, fix string) *Reason {
		if refusal != "" {
			fix = fmt.Sprintf("the oracles refuse its heartbeats (%s): %s", refusal, RefusalFix(refusal))
		}
		return &Reason{Name: name, Message: message, Fix: fix}
	}
	run := "start `gpunet-worker run` (docs/provider.md has a systemd unit) and read its log: it says what each oracle answers"
	switch {
	case v.Refused != nil:
		return &Reason{Name: string(v.Refused.Reason), Message: v.Refused.Message, Fix: RefusalFix(v.Refused.Reason)}
	case errors.Is(v.err, wire.ErrUntrusted):
		return &Reason{Name: "OracleUntrusted", Message: "its answer is not signed by an oracle of the registry", Fix: "this URL is not an oracle of the registry's set: fix `oracles` in the config"}
	case v.Error != "":
		return &Reason{Name: "OracleUnreachable", Message: "no answer from this oracle: it counts no heartbeat it does not receive",
			Fix: "check `oracles` in the config and that this host reaches " + v.URL + "; heartbeats to the other oracles still count"}
	case v.Seen == nil:
		return nil
	case v.Seen.LastHeartbeat == nil:
		return down("NoHeartbeat", "this oracle has never received a heartbeat from the device", run)
	}
	hb := v.Seen.LastHeartbeat
	if ago := now.Sub(time.UnixMilli(hb.ReceivedAt)); ago > 2*interval {
		return down("HeartbeatsStopped", fmt.Sprintf("its last heartbeat (sequence %d) arrived %s ago, more than 2 intervals of %s", hb.Sequence, ago.Round(time.Second), interval),
			"is `gpunet-worker run` still running (`systemctl status gpunet-worker`)? Its log says what each oracle answers")
	}
	if hb.Late {
		return &Reason{Name: "HeartbeatLate", Message: fmt.Sprintf("its last heartbeat (sequence %d) arrived more than an interval after it was sent: kept, not credited", hb.Sequence),
			Fix: "sync the host's clock (`timedatectl set-ntp true`) and check the network path to " + v.URL}
	}
	return nil
}

// RefusalFix is what a provider does about an oracle's refusal.
func RefusalFix(r wire.Reason) string {
	switch r {
	case wire.ReasonUnknownDevice:
		return "register the device: `gpunet-worker register`"
	case wire.ReasonDeregistered:
		return "the device key is retired: `gpunet-worker init --dir NEW_DIR` and register the new device key"
	case wire.ReasonSuspended:
		return "a slash is pending: appeal to the registry's admin before its deadline, or wait until it is finalized"
	case wire.ReasonReplayed, wire.ReasonRateLimited:
		return "another worker heartbeats with this device key, or the state dir was restored from a backup: run one `gpunet-worker run` per key on its own state-dir"
	case wire.ReasonStale:
		return "the host's clock is off: `timedatectl set-ntp true`"
	case wire.ReasonBadSignature, wire.ReasonWrongDevice:
		return "device-keypair in the config is not the registered device's key: point it at the key init wrote"
	case wire.ReasonWrongOracle:
		return "the URL now serves another oracle key: restart `gpunet-worker run` to learn it"
	case wire.ReasonUnavailable:
		return "the oracle cannot read its database now: it recovers by itself, and the other oracles still count"
	default:
		return "this oracle speaks a newer protocol: upgrade gpunet-worker"
	}
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
	fail := func(prefix string, err error) OracleView {
		v.Error, v.err = prefix+err.Error(), err
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+wire.StatusPath+device.String(), nil)
	if err != nil {
		return fail("", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail("oracle down: ", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fail("read answer: ", err)
	}
	v.Code = resp.StatusCode
	if v.Oracle, err = wire.VerifyAnswer(resp.Header, body, oracles); err != nil {
		return fail("", err)
	}
	if resp.StatusCode == http.StatusOK {
		var seen wire.DeviceStatus
		if err := json.Unmarshal(body, &seen); err != nil || seen.Device != device || seen.Oracle != v.Oracle {
			return fail("", fmt.Errorf("%w: not a status of device %s signed by %s", ErrOracleAnswer, device, v.Oracle))
		}
		v.Seen = &seen
		return v
	}
	var p wire.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Reason == "" {
		return fail("", fmt.Errorf("%w: HTTP %d without a reason", ErrOracleAnswer, resp.StatusCode))
	}
	v.Refused = &p
	return v
}

// ErrOracleAnswer is a signed oracle answer that is not what the wire contract says.
var ErrOracleAnswer = errors.New("unexpected oracle answer")

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
		fmt.Fprintf(w, "  status           %s\n  stake            %s of %s required (hardware model %d)\n  proven uptime    %d s of %d s probation\n  last window      %d\n  reputation       %d / 10000\n  current job      %s\n  pending slashes  %d\n  asks             %s\n",
			c.Status, cli.IO.Format(c.Stake), cli.IO.Format(c.MinStake), c.Spec.HardwareModel, c.ProvenUptimeSecs, c.ProbationSecs, c.LastProofWindow, c.Reputation, job, c.PendingSlashes, c.Asks)
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
	fmt.Fprintf(w, "\nOracles (heartbeats every %d s; an oracle counts the device down after %d s without one):\n", s.HeartbeatIntervalSecs, 2*s.HeartbeatIntervalSecs)
	now := time.Now()
	down := 0
	for _, o := range s.Oracles {
		printOracle(w, &o, now)
		if o.Down != nil {
			down++
		}
	}
	if s.ReadyHereDownThere {
		fmt.Fprintf(w, "\nREADY HERE, DOWN ON THE NETWORK: this host finds no hardware problem, but %d of %d oracles count the device down; their DOWN lines above say why and what to do.\n", down, len(s.Oracles))
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

// printOracle writes what oracle o last received, its GPU health and its latest submissions.
func printOracle(w io.Writer, o *OracleView, now time.Time) {
	at := func(ms int64) string {
		t := time.UnixMilli(ms)
		return fmt.Sprintf("%s (%s ago)", t.Format(time.DateTime), now.Sub(t).Round(time.Second))
	}
	switch {
	case o.Seen != nil:
		fmt.Fprintf(w, "  %s (oracle %s)\n", o.URL, o.Oracle)
		if hb := o.Seen.LastHeartbeat; hb == nil {
			fmt.Fprintln(w, "    last heartbeat   none received")
		} else {
			credit := fmt.Sprintf("credited until %s", time.UnixMilli(hb.CreditedUntil).Format(time.TimeOnly))
			if hb.Late {
				credit = "LATE: kept, not credited"
			}
			fmt.Fprintf(w, "    last heartbeat   sequence %d received %s, %s\n", hb.Sequence, at(hb.ReceivedAt), credit)
			health := fmt.Sprintf("%d GPUs, %d healthy", hb.Health.GPUs, hb.Health.Healthy)
			if hb.Health.GPUs == 0 {
				health = "no GPU (CPU class)"
			}
			fmt.Fprintf(w, "    GPU health       %s\n", health)
			for _, p := range hb.Health.Problems {
				fmt.Fprintf(w, "    GPU problem      %s\n", p)
			}
			if j := hb.Telemetry.Job; j != nil {
				node := "alive"
				if !j.Alive {
					node = "NOT alive"
				}
				fmt.Fprintf(w, "    Ray node         job %s: %s", j.Job, node)
				if len(j.Members) > 0 {
					fmt.Fprintf(w, ", head of %d member nodes", len(j.Members))
				}
				fmt.Fprintln(w)
			}
		}
		if c := o.Seen.LastChallenge; c != nil {
			fmt.Fprintf(w, "    last challenge   n = %d issued %s: %s", c.N, at(c.IssuedAt), c.Outcome)
			if c.ElapsedMs > 0 {
				fmt.Fprintf(w, ", root after %s", (time.Duration(c.ElapsedMs) * time.Millisecond).String())
			}
			if c.Outcome == "passed" {
				fmt.Fprintf(w, ", score %d", c.Score)
			}
			fmt.Fprintln(w)
		}
		if len(o.Seen.Submissions) == 0 {
			fmt.Fprintln(w, "    on-chain         nothing submitted yet")
		}
		for i, sub := range o.Seen.Submissions[:min(len(o.Seen.Submissions), 3)] {
			label := "on-chain"
			if i > 0 {
				label = ""
			}
			what := fmt.Sprintf("%s window %d", sub.Kind, sub.Window)
			if sub.Kind == "vote" {
				what += fmt.Sprintf(" (%d s up since window %d)", sub.UptimeSecs, sub.Base)
			}
			fmt.Fprintf(w, "    %-16s %s: %s %s, %s\n", label, what, sub.State, at(sub.At), sub.Signature)
			if sub.Error != "" {
				fmt.Fprintf(w, "                     error: %s\n", sub.Error)
			}
		}
	case o.Refused != nil:
		fmt.Fprintf(w, "  %s (oracle %s): refused with HTTP %d\n", o.URL, o.Oracle, o.Code)
	default:
		fmt.Fprintf(w, "  %s: %s\n", o.URL, o.Error)
	}
	if o.Down != nil {
		fmt.Fprintf(w, "    DOWN: %s: %s\n      fix: %s\n", o.Down.Name, o.Down.Message, o.Down.Fix)
	}
}

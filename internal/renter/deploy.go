package renter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/raystate"
	"github.com/gpunet/gpunet/internal/wire"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// Order is what a renter deploys: the devices the scheduler chose, in its order, at a price
// per device-hour in mint, for hours, described by spec (its Job and RenterKey are filled in).
type Order struct {
	Devices      []solana.PublicKey
	Mint         solana.PublicKey
	PricePerHour uint64
	Hours        uint64
	Spec         wire.JobSpec
	Oracles      []string      // the oracles' base URLs: their job relay
	Dir          string        // the renter's jobs directory: each job's key and token go under it
	Timeout      time.Duration // until the cluster is ready
}

// Deployment is a deployed job and how to reach its Ray cluster.
type Deployment struct {
	Job       solana.PublicKey   `json:"job"`
	JobID     uint64             `json:"job_id"`
	Devices   []solana.PublicKey `json:"devices"`
	Deposit   uint64             `json:"deposit"`
	RayHead   string             `json:"ray_head"`  // IP:port of the head's GCS (ray.init(address=...))
	Dashboard string             `json:"dashboard"` // the dashboard and job API (ray job submit --address)
	Client    string             `json:"client"`    // the Ray Client server (ray.init("ray://..."))
	TokenFile string             `json:"token_file"`
}

// Deploy creates and funds the job, publishes its spec to the relays, proposes the devices and
// waits until every device accepted, the head published the job's Ray token sealed to the
// renter's per-job key, and every member joined the head: the cluster is ready. The per-job key
// and the token are written under o.Dir/<job> (0600), never logged. progress is told each step.
func Deploy(ctx context.Context, n *network.Network, key chain.Signer, o Order, progress func(string)) (*Deployment, error) {
	if len(o.Devices) == 0 || len(o.Devices) > int(escrow.MaxDevices) {
		return nil, fmt.Errorf("a job takes 1 to %d devices, not %d (a larger cluster is several jobs: not in deploy yet)", escrow.MaxDevices, len(o.Devices))
	}
	renter := key.PublicKey()
	jobs, err := n.Escrow.JobsOf(ctx, n.Client, renter)
	if err != nil {
		return nil, fmt.Errorf("read your jobs: %w", err)
	}
	id := uint64(1)
	for _, j := range jobs {
		id = max(id, j.Job.JobId+1)
	}
	job := n.Escrow.JobAddress(renter, id)
	dir := filepath.Join(o.Dir, job.String())
	jobKey, err := newJobKey(dir)
	if err != nil {
		return nil, err
	}
	o.Spec.Job, o.Spec.RenterKey = job, jobKey.Public()
	body, hash, err := jobrelay.SpecBody(o.Spec)
	if err != nil {
		return nil, err
	}
	from, _, err := solana.FindAssociatedTokenAddress(renter, o.Mint)
	if err != nil {
		return nil, err
	}
	terms := onescrow.Terms{JobID: id, PricePerHour: o.PricePerHour, DurationSecs: uint32(o.Hours * 3600), DeviceCount: uint8(len(o.Devices)), Requirements: hash}
	create, err := n.Escrow.CreateJob(renter, from, o.Mint, terms)
	if err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("creating and funding job %d (%s)", id, job))
	if _, err := n.Client.Send(ctx, []solana.Instruction{create}, key); err != nil {
		return nil, fmt.Errorf("create the job: %w", err)
	}
	d := &Deployment{Job: job, JobID: id, Devices: o.Devices}
	if j, err := n.Escrow.FetchJob(ctx, n.Client, job); err == nil {
		d.Deposit = j.Deposited
	}
	progress("publishing the job's spec to the oracles' relay")
	if err := publish(ctx, o.Oracles, key, job, body); err != nil {
		return d, err
	}
	assign, err := n.Escrow.AssignDevices(renter, job, o.Devices...)
	if err != nil {
		return d, err
	}
	progress(fmt.Sprintf("proposing %d devices", len(o.Devices)))
	if _, err := n.Client.Send(ctx, []solana.Instruction{assign}, key); err != nil {
		return d, fmt.Errorf("propose the devices: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	j, err := waitRunning(ctx, n, job, len(o.Devices), progress)
	if err != nil {
		return d, err
	}
	head, token, err := waitHead(ctx, n, o.Oracles, job, j, jobKey, progress)
	if err != nil {
		return d, err
	}
	d.RayHead = net.JoinHostPort(head.Address, strconv.Itoa(head.Head.GCSPort))
	d.Dashboard = "http://" + net.JoinHostPort(head.Address, strconv.Itoa(head.Head.DashboardPort))
	d.Client = "ray://" + net.JoinHostPort(head.Address, strconv.Itoa(head.Head.ClientPort))
	d.TokenFile = filepath.Join(dir, "token")
	if err := os.WriteFile(d.TokenFile, []byte(token.String()), 0o600); err != nil {
		return d, fmt.Errorf("write the job's Ray token: %w", err)
	}
	return d, waitMembers(ctx, d.Dashboard, token, len(o.Devices)-1, progress)
}

// newJobKey makes the renter's per-job X25519 key and keeps it in dir (0700) as x25519.key
// (0600), so the job's token can be opened again later.
func newJobKey(dir string) (jobsecret.PrivateKey, error) {
	k, err := jobsecret.NewKey(rand.Reader)
	if err != nil {
		return k, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return k, fmt.Errorf("make the job's directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x25519.key"), []byte(hex.EncodeToString(k[:])), 0o600); err != nil {
		return k, fmt.Errorf("write the job's key: %w", err)
	}
	return k, nil
}

// publish puts the spec on every relay, retrying one that does not know the job yet (its
// chain cache is a few seconds old); one relay holding it is enough, since readers gather.
func publish(ctx context.Context, oracles []string, key chain.Signer, job solana.PublicKey, body []byte) error {
	var errs []error
	for _, url := range oracles {
		err := chain.Backoff{Attempts: 6, First: time.Second, Max: 4 * time.Second}.Do(ctx, func(context.Context, error) bool { return true }, func() error {
			return jobrelay.PublishSpec(ctx, url, key, job, body)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(oracles) {
		return fmt.Errorf("no oracle took the job's spec (pass the oracles' URLs with --oracles): %w", errors.Join(errs...))
	}
	return nil
}

// waitRunning waits until every proposed device accepted.
func waitRunning(ctx context.Context, n *network.Network, job solana.PublicKey, want int, progress func(string)) (*escrow.Job, error) {
	seen := -1
	for {
		j, err := n.Escrow.FetchJob(ctx, n.Client, job)
		if err == nil {
			accepted := 0
			for _, s := range j.Slots[:j.SlotCount] {
				if s.State == escrow.SlotHired {
					accepted++
				}
			}
			if accepted != seen {
				progress(fmt.Sprintf("accepted %d/%d", accepted, want))
				seen = accepted
			}
			if j.State == escrow.JobRunning {
				return j, nil
			}
			if j.State > escrow.JobRunning {
				return nil, fmt.Errorf("the job ended before it ran (state %d): `gpunet job %d` says why", j.State, j.JobId)
			}
		}
		if err := pause(ctx, fmt.Sprintf("%d of %d devices accepted: a device accepts when its worker runs with ray-address set and the price meets its ask; `gpunet job %s` shows each slot", max(seen, 0), want, job)); err != nil {
			return nil, err
		}
	}
}

// waitHead waits until the head announced its endpoints with the token sealed to the renter,
// and opens it with the renter's job key.
func waitHead(ctx context.Context, n *network.Network, oracles []string, job solana.PublicKey, j *escrow.Job, key jobsecret.PrivateKey, progress func(string)) (*wire.NodeAnnouncement, jobsecret.Token, error) {
	progress("waiting for the Ray head")
	for {
		board, err := jobrelay.Gather(ctx, oracles, jobrelay.ExpectJob(job, j, n.Registry))
		if err == nil {
			if head, ok := board.Nodes[wire.HeadSlot]; ok && head.Head != nil {
				token, err := jobsecret.Open(key, head.Head.Sealed[wire.SealedForRenter], job)
				if err != nil {
					return nil, token, fmt.Errorf("the head's token for you does not open with the job's key: %w", err)
				}
				progress("Ray head up at " + head.Address)
				return &head, token, nil
			}
		}
		if err := pause(ctx, "the head's worker has not announced its Ray node on the relay"); err != nil {
			return nil, jobsecret.Token{}, err
		}
	}
}

// waitMembers waits until the head sees want members alive.
func waitMembers(ctx context.Context, dashboard string, token jobsecret.Token, want int, progress func(string)) error {
	seen := -1
	for {
		members, err := raystate.Members(ctx, dashboard, token)
		if err == nil && len(members) != seen {
			seen = len(members)
			progress(fmt.Sprintf("nodes joined %d/%d", seen+1, want+1))
		}
		if seen >= want {
			return nil
		}
		if err := pause(ctx, fmt.Sprintf("%d of %d member nodes joined the head", max(seen, 0), want)); err != nil {
			return err
		}
	}
}

// pause waits a second, or fails with what is missing when ctx ends.
func pause(ctx context.Context, missing string) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("not ready in time: %s", missing)
	case <-time.After(time.Second):
		return nil
	}
}

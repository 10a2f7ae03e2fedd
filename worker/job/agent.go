// Package job is the device's side of a job: it accepts a proposal that meets the device's
// terms, runs the job's Ray node while the job runs (the job's first slot runs the head, the
// others join it), meets the other nodes through the oracles' relay, reports the node in its
// heartbeats, and stops it when the job ends for the device.
//
// Proposals come through a subscription to the transactions that mention the device's
// registry Device (assign_devices names it), after one scan of the escrow's jobs at start for
// those proposed while the worker was down. Each round reads the Device (one account) and
// serves its current job, so a restarted worker resumes where the chain says and adopts the
// node it left running.
package job

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
	"golang.org/x/sync/errgroup"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/ray"
)

// Config is what the device offers a job's Ray node.
type Config struct {
	Address  string        // the IP its Ray node advertises
	PortBase int           // the first of its ray.PortCount ports
	CPUs     int           // CPUs per node
	GPUs     int           // GPUs per node
	Every    time.Duration // how often a round runs
	// StopOnExit stops the node when Run returns; otherwise it outlives the worker, which
	// adopts it when it starts again (a service's restart costs the job nothing).
	StopOnExit bool
}

// Agent runs one device's jobs.
type Agent struct {
	net    *network.Network
	key    solana.PrivateKey
	relays []string // the oracles' base URLs: their job relay
	runner *ray.Runner
	cfg    Config
	log    *slog.Logger
	now    func() time.Time

	node      *ray.Node
	token     jobsecret.Token
	announced string     // the last announcement sent, to send it again only when it changes
	mu        sync.Mutex // consider: the start-up scan and the subscription
	declined  map[solana.PublicKey]bool
	report    atomic.Pointer[wire.JobNode]
}

// New is the agent of the device with key, meeting the other nodes through relays.
func New(cfg Config, n *network.Network, key solana.PrivateKey, relays []string, runner *ray.Runner, log *slog.Logger) *Agent {
	return &Agent{net: n, key: key, relays: relays, runner: runner, cfg: cfg, log: log, now: time.Now, declined: map[solana.PublicKey]bool{}}
}

// Node is what the device's heartbeats say of its Ray node (nil: it serves no job).
func (a *Agent) Node() *wire.JobNode { return a.report.Load() }

// Run serves the device's job every cfg.Every and accepts proposals as they come, until ctx
// ends; then it stops the node only with cfg.StopOnExit.
func (a *Agent) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return daemon.Every(gctx, a.cfg.Every, a.log, "job round", a.Round) })
	g.Go(func() error { return a.watch(gctx) })
	err := g.Wait()
	if a.cfg.StopOnExit {
		err = errors.Join(err, a.stop())
	}
	return err
}

// Round serves the job the device is hired on, and stops its node when it has none.
func (a *Agent) Round(ctx context.Context) error {
	d, err := a.net.Registry.FetchDevice(ctx, a.net.Client, a.key.PublicKey())
	if errors.Is(err, chain.ErrAccountNotFound) {
		return a.stop()
	}
	if err != nil {
		return fmt.Errorf("read device: %w", err)
	}
	if d.CurrentJob.IsZero() {
		return a.stop()
	}
	return a.serve(ctx, d.CurrentJob)
}

// watch accepts the proposals made while the worker was down (Proposals), then each new one
// from the subscription to the device's transactions; the subscription reconnects and
// backfills by itself, and a failed scan is retried with backoff.
func (a *Agent) watch(ctx context.Context) error {
	for pause := time.Second; ; pause = min(2*pause, 30*time.Second) {
		err := a.Proposals(ctx)
		if err == nil {
			break
		}
		a.log.Warn("scan proposals", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	device := a.net.Registry.DeviceAddress(a.key.PublicKey())
	return a.net.Client.Stream(ctx, device, solana.Signature{}, func(ctx context.Context, ev chain.Event) error {
		if ev.Err != nil {
			return nil
		}
		data, err := chain.EventData(ev.Logs, a.net.Escrow.ID)
		if err != nil {
			return nil // not the escrow's, or not readable: nothing proposed here
		}
		for _, d := range data {
			if !bytes.HasPrefix(d, escrow.Event_DeviceAssigned[:]) {
				continue
			}
			if assigned, err := escrow.ParseEvent_DeviceAssigned(d); err == nil && assigned.Device == device {
				a.consider(ctx, assigned.Job)
			}
		}
		return nil
	})
}

// Proposals accepts the first standing proposal of the device (jobs in address order), found
// by one scan of the escrow's jobs.
func (a *Agent) Proposals(ctx context.Context) error {
	jobs, err := a.net.Client.ProgramAccounts(ctx, a.net.Escrow.ID, chain.Memcmp(0, escrow.Account_Job[:]))
	if err != nil {
		return fmt.Errorf("scan jobs: %w", err)
	}
	slices.SortFunc(jobs, func(x, y *chain.Account) int { return bytes.Compare(x.Address[:], y.Address[:]) })
	for _, acct := range jobs {
		if a.consider(ctx, acct.Address) {
			return nil
		}
	}
	return nil
}

// consider accepts the device's proposed slot on job when the device is Active and free and
// the job's price meets its asks; it reports whether the device was hired.
func (a *Agent) consider(ctx context.Context, job solana.PublicKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.declined[job] {
		return false
	}
	d, err := a.net.Registry.FetchDevice(ctx, a.net.Client, a.key.PublicKey())
	if err != nil || d.Status != registry.StatusActive || !d.CurrentJob.IsZero() {
		return false // only an Active device that is not hired can be
	}
	j, err := a.net.Escrow.FetchJob(ctx, a.net.Client, job)
	if err != nil || j.State != escrow.JobAssigned && j.State != escrow.JobRunning {
		return false
	}
	device := a.net.Registry.DeviceAddress(a.key.PublicKey())
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if s.Device != device || s.State != escrow.SlotProposed {
			continue
		}
		err := a.accept(ctx, job, j, d, uint8(i))
		if err == nil {
			return true
		}
		if errors.Is(err, escrow.ErrPriceBelowAsk) || errors.Is(err, escrow.ErrIoNotAccepted) {
			a.declined[job] = true // its terms never change: said once
		}
		a.log.Warn("accept", "job", job, "slot", i, "err", err)
	}
	return false
}

// accept takes slot of job, paid to the owner's associated account of the job's mint (created
// when missing), if its price meets the device's ask; the device key signs and pays.
func (a *Agent) accept(ctx context.Context, job solana.PublicKey, j *escrow.Job, d *registry.Device, slot uint8) error {
	mint := protocol.MintIOSD
	if j.Mint == a.net.Mints.IO {
		mint = protocol.MintIO
	}
	if err := protocol.AcceptsPrice(d, mint, j.PricePerHour); err != nil {
		return fmt.Errorf("declined: %w", err) // left to the renter to replace; no fee spent
	}
	payout, _, err := solana.FindAssociatedTokenAddress(d.Owner, j.Mint)
	if err != nil {
		return err
	}
	create := chain.CreateAssociatedTokenAccount(a.key.PublicKey(), d.Owner, j.Mint)
	accept, err := a.net.Escrow.AcceptJob(job, a.key.PublicKey(), payout, slot)
	if err != nil {
		return err
	}
	sig, err := a.net.Client.Send(ctx, []solana.Instruction{create, accept}, a.key)
	if err != nil {
		return err
	}
	a.log.Info("accepted", "job", job, "slot", slot, "payout", payout, "sig", sig)
	return nil
}

// serve runs the device's node on job while its slot is hired and the job runs.
func (a *Agent) serve(ctx context.Context, job solana.PublicKey) error {
	j, err := a.net.Escrow.FetchJob(ctx, a.net.Client, job)
	if err != nil {
		return fmt.Errorf("read job %s: %w", job, err)
	}
	slot := a.slotOf(j)
	if j.State != escrow.JobRunning || slot < 0 {
		return a.stop() // not started yet, or over for this device
	}
	board, err := jobrelay.Gather(ctx, a.relays, jobrelay.ExpectJob(job, j, a.net.Registry))
	if err != nil {
		return err
	}
	if board.Spec == nil {
		return fmt.Errorf("job %s: the renter has not published its spec to the relay yet", job)
	}
	if a.node != nil && (a.node.Spec.Job != job.String() || !a.node.Running()) {
		if err := a.stop(); err != nil { // another job's, or its processes died: started again below
			return err
		}
	}
	spec := ray.Spec{Job: job.String(), Head: slot == wire.HeadSlot, IP: a.cfg.Address, PortBase: a.cfg.PortBase, CPUs: a.cfg.CPUs, GPUs: a.cfg.GPUs}
	ann := wire.NodeAnnouncement{Job: job, Device: a.key.PublicKey(), Slot: uint8(slot), Address: a.cfg.Address}
	var recipients []solana.PublicKey // the head seals the job's token to these devices
	if spec.Head {
		if err = a.runHead(ctx, board, spec); err == nil {
			recipients, err = a.deviceKeys(ctx, j)
		}
	} else {
		err = a.runMember(ctx, board, spec)
	}
	if err != nil {
		return err
	}
	if err := a.announce(ctx, ann, spec, board.Spec.RenterKey, recipients); err != nil {
		return err
	}
	report := &wire.JobNode{Job: job, Alive: a.node.Running()}
	if spec.Head {
		if report.Members, err = a.members(ctx, board); err != nil {
			a.log.Warn("ray members", "job", job, "err", err) // the report says none: the members are not paid for it
		}
	}
	a.report.Store(report)
	return nil
}

// slotOf is the device's hired slot on j, or -1.
func (a *Agent) slotOf(j *escrow.Job) int {
	device := a.net.Registry.DeviceAddress(a.key.PublicKey())
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if s.Device == device && s.State == escrow.SlotHired {
			return i
		}
	}
	return -1
}

// runHead starts (or adopts) the head with the job's token: the one it sealed to itself on the
// relay before a restart, else a new one.
func (a *Agent) runHead(ctx context.Context, board *jobrelay.Verified, spec ray.Spec) error {
	if a.node != nil {
		return nil
	}
	token, err := jobsecret.NewToken(rand.Reader)
	if err != nil {
		return err
	}
	if prev, ok := board.Nodes[wire.HeadSlot]; ok && prev.Device == a.key.PublicKey() && prev.Head != nil {
		self, err := jobsecret.DeviceKey(ed25519.PrivateKey(a.key))
		if err != nil {
			return err
		}
		job, _ := solana.PublicKeyFromBase58(spec.Job)
		if t, err := jobsecret.Open(self, prev.Head.Sealed[a.key.PublicKey().String()], job); err == nil {
			token = t
		}
	}
	if a.node, err = a.runner.Start(ctx, spec, token); err != nil {
		return err
	}
	a.token = token
	return nil
}

// deviceKeys are the device keys of the job's proposed and hired slots, the head's own included.
func (a *Agent) deviceKeys(ctx context.Context, j *escrow.Job) ([]solana.PublicKey, error) {
	var addrs []solana.PublicKey
	for _, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if s.State == escrow.SlotProposed || s.State == escrow.SlotHired {
			addrs = append(addrs, s.Device)
		}
	}
	accts, err := a.net.Client.Accounts(ctx, addrs)
	if err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	var keys []solana.PublicKey
	for i, acct := range accts {
		if acct == nil {
			continue
		}
		d, err := registry.ParseAccount_Device(acct.Data)
		if err != nil {
			return nil, fmt.Errorf("read device %s: %w", addrs[i], err)
		}
		keys = append(keys, d.DeviceKey)
	}
	return keys, nil
}

// runMember joins the head the relay announces, with the token it sealed to this device.
func (a *Agent) runMember(ctx context.Context, board *jobrelay.Verified, spec ray.Spec) error {
	if a.node != nil {
		return nil
	}
	head, ok := board.Nodes[wire.HeadSlot]
	if !ok || head.Head == nil {
		return fmt.Errorf("job %s: its head has not announced itself yet", spec.Job)
	}
	self, err := jobsecret.DeviceKey(ed25519.PrivateKey(a.key))
	if err != nil {
		return err
	}
	job, _ := solana.PublicKeyFromBase58(spec.Job)
	token, err := jobsecret.Open(self, head.Head.Sealed[a.key.PublicKey().String()], job)
	if err != nil {
		return fmt.Errorf("job %s: the head's token for this device: %w", spec.Job, err)
	}
	spec.HeadAddress = net.JoinHostPort(head.Address, strconv.Itoa(head.Head.GCSPort))
	if a.node, err = a.runner.Start(ctx, spec, token); err != nil {
		return err
	}
	a.token = token
	return nil
}

// announce publishes ann when it differs from the last one sent; a head's carries its
// endpoints and the job's token sealed to the renter's key and to each of recipients, sealed
// only then (a new member, say a replacement, is a new announcement).
func (a *Agent) announce(ctx context.Context, ann wire.NodeAnnouncement, spec ray.Spec, renter jobsecret.PublicKey, recipients []solana.PublicKey) error {
	key := fmt.Sprint(ann.Job, ann.Slot, ann.Address, renter, recipients)
	if key == a.announced {
		return nil
	}
	if spec.Head {
		sealed := map[string][]byte{}
		seal := func(name string, to jobsecret.PublicKey) (err error) {
			sealed[name], err = jobsecret.Seal(rand.Reader, a.token, to, ann.Job)
			return err
		}
		if err := seal(wire.SealedForRenter, renter); err != nil {
			return err
		}
		for _, k := range recipients {
			pub, err := jobsecret.DevicePublicKey(ed25519.PublicKey(k[:]))
			if err != nil {
				return fmt.Errorf("device %s: %w", k, err)
			}
			if err := seal(k.String(), pub); err != nil {
				return err
			}
		}
		ann.Head = &wire.HeadEndpoints{GCSPort: spec.GCSPort(), DashboardPort: spec.DashboardPort(), ClientPort: spec.ClientPort(), Sealed: sealed}
	}
	ann.Timestamp = a.now().UnixMilli()
	var errs []error
	for _, url := range a.relays {
		if err := jobrelay.Announce(ctx, url, a.key, ann); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(a.relays) {
		return fmt.Errorf("announce the node: %w", errors.Join(errs...))
	}
	a.announced = key // one relay is enough to be found: readers gather from all
	return nil
}

// members are the member devices whose nodes the head sees alive, matched by the address
// each announced.
func (a *Agent) members(ctx context.Context, board *jobrelay.Verified) ([]solana.PublicKey, error) {
	alive, err := a.node.Members(ctx)
	if err != nil {
		return nil, err
	}
	var out []solana.PublicKey
	for slot, ann := range board.Nodes {
		if slot == wire.HeadSlot {
			continue
		}
		for _, m := range alive {
			if m.IP == ann.Address {
				out = append(out, ann.Device)
				break
			}
		}
	}
	slices.SortFunc(out, func(x, y solana.PublicKey) int { return bytes.Compare(x[:], y[:]) })
	return out, nil
}

// stop stops the device's node, if any: the job is over for it.
func (a *Agent) stop() error {
	a.report.Store(nil)
	if a.node == nil {
		return nil
	}
	err := a.node.Stop()
	a.log.Info("ray node stopped", "job", a.node.Spec.Job, "err", err)
	a.node, a.token, a.announced = nil, jobsecret.Token{}, ""
	return err
}

package escrow

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/onchain/economy"
	"github.com/gpunet/gpunet/onchain/internal/anchorix"
	"github.com/gpunet/gpunet/onchain/registry"
)

// Program is the escrow program as deployed at ID on one cluster, working with the registry
// and the economy deployed there. Its methods derive the program's addresses and build
// instructions addressed to ID, so the same code serves every cluster. Build it with New,
// which derives the fixed addresses once.
type Program struct {
	ID          solana.PublicKey
	Registry    registry.Program
	Economy     economy.Program
	config      solana.PublicKey
	authority   solana.PublicKey
	programData solana.PublicKey
}

// New is the escrow deployed at id, working with reg and eco.
func New(id solana.PublicKey, reg registry.Program, eco economy.Program) Program {
	return Program{ID: id, Registry: reg, Economy: eco,
		config:      anchorix.Addr(escrow.FindConfigAddress(id)),
		authority:   anchorix.Addr(escrow.FindEscrowAuthorityAddress(id)),
		programData: anchorix.ProgramDataAddress(id),
	}
}

// ConfigAddress is the Config PDA.
func (p Program) ConfigAddress() solana.PublicKey { return p.config }

// AuthorityAddress is the escrow authority PDA: the registry's escrow_authority, which hires
// and releases devices.
func (p Program) AuthorityAddress() solana.PublicKey { return p.authority }

// JobAddress is a renter's job.
func (p Program) JobAddress(renter solana.PublicKey, jobID uint64) solana.PublicKey {
	return anchorix.Addr(escrow.FindJobAddress(p.ID, renter, jobID))
}

// VaultAddress is a job's escrow token account.
func (p Program) VaultAddress(job solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(escrow.FindVaultAddress(p.ID, job))
}

// UnclaimedAddress is a device owner's record of pay settle could not deliver.
func (p Program) UnclaimedAddress(owner, mint solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(escrow.FindUnclaimedAddress(p.ID, owner, mint))
}

// UnclaimedVaultAddress is the token account of mint holding unclaimed pay.
func (p Program) UnclaimedVaultAddress(mint solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(escrow.FindUnclaimedVaultAddress(p.ID, mint))
}

// ClusterAddress is a renter's cluster.
func (p Program) ClusterAddress(renter solana.PublicKey, clusterID uint64) solana.PublicKey {
	return anchorix.Addr(escrow.FindClusterAddress(p.ID, renter, clusterID))
}

// ProgramDataAddress is the BPF Loader Upgradeable account holding the program's upgrade authority.
func (p Program) ProgramDataAddress() solana.PublicKey { return p.programData }

// writable lists accounts as writable remaining accounts.
func writable(keys []solana.PublicKey) []*solana.AccountMeta {
	metas := make([]*solana.AccountMeta, len(keys))
	for i, k := range keys {
		metas[i] = solana.Meta(k).WRITE()
	}
	return metas
}

// InitializeConfig creates the Config with params within limits, fixed for good; admin must be
// the program's upgrade authority. The payment mints are the registry's IO and IOSD
// (p.Economy's), which must have no freeze authority.
func (p Program) InitializeConfig(admin solana.PublicKey, params escrow.ConfigParams, limits escrow.EscrowLimits) (solana.Instruction, error) {
	ix, err := escrow.NewInitializeConfigInstruction(params, limits, p.ConfigAddress(), admin, p.ID, p.ProgramDataAddress(), p.Registry.ID,
		p.Registry.ConfigAddress(), p.Economy.ID, p.Economy.IOMint, p.Economy.IOSDMint, solana.SystemProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_InitializeConfig, ix, err)
}

// UpdateConfig proposes params; admin must be the admin. A change that only reduces a key's
// power applies at once; any other waits for ApplyConfig after the delay (the larger of the
// limits' MinConfigDelaySecs and the registry's unstake cooldown).
func (p Program) UpdateConfig(admin solana.PublicKey, params escrow.ConfigParams) (solana.Instruction, error) {
	ix, err := escrow.NewUpdateConfigInstruction(params, p.ConfigAddress(), admin, p.Registry.ConfigAddress())
	return anchorix.Build(p.ID, escrow.Instruction_UpdateConfig, ix, err)
}

// ApplyConfig applies the pending proposal once its delay is over (anyone).
func (p Program) ApplyConfig() (solana.Instruction, error) {
	ix, err := escrow.NewApplyConfigInstruction(p.ConfigAddress())
	return anchorix.Build(p.ID, escrow.Instruction_ApplyConfig, ix, err)
}

// SetPause pauses or resumes what starts new commitments.
func (p Program) SetPause(admin solana.PublicKey, paused bool) (solana.Instruction, error) {
	ix, err := escrow.NewSetPauseInstruction(paused, p.ConfigAddress(), admin)
	return anchorix.Build(p.ID, escrow.Instruction_SetPause, ix, err)
}

// CreateCluster creates renter's cluster clusterID.
func (p Program) CreateCluster(renter solana.PublicKey, clusterID uint64, requirements [32]byte) (solana.Instruction, error) {
	ix, err := escrow.NewCreateClusterInstruction(clusterID, requirements, p.ConfigAddress(), p.ClusterAddress(renter, clusterID), renter, solana.SystemProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_CreateCluster, ix, err)
}

// CloseCluster closes renter's empty cluster.
func (p Program) CloseCluster(renter solana.PublicKey, clusterID uint64) (solana.Instruction, error) {
	ix, err := escrow.NewCloseClusterInstruction(p.ClusterAddress(renter, clusterID), renter)
	return anchorix.Build(p.ID, escrow.Instruction_CloseCluster, ix, err)
}

// Terms are what a renter books: the job's id, price, duration, devices and spec.
type Terms struct {
	JobID        uint64
	PricePerHour uint64 // base units of the mint per device-hour
	DurationSecs uint32 // paid time per device
	DeviceCount  uint8
	Requirements [32]byte // SHA-256 of the off-chain spec
	Cluster      solana.PublicKey
}

// CreateJob creates a job paid in mint from renterToken, in terms.Cluster unless it is zero.
func (p Program) CreateJob(renter, renterToken, mint solana.PublicKey, terms Terms) (solana.Instruction, error) {
	job, jobBump := anchorix.PDA(escrow.FindJobAddress(p.ID, renter, terms.JobID))
	vault, vaultBump := anchorix.PDA(escrow.FindVaultAddress(p.ID, job))
	var extra []*solana.AccountMeta
	if !terms.Cluster.IsZero() {
		extra = writable([]solana.PublicKey{terms.Cluster})
	}
	ix, err := escrow.NewCreateJobInstruction(terms.JobID, terms.PricePerHour, terms.DurationSecs, terms.DeviceCount, jobBump, vaultBump, terms.Requirements,
		p.ConfigAddress(), job, vault, renter, renterToken, mint, solana.TokenProgramID, solana.SystemProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_CreateJob, ix, err, extra...)
}

// TopUp extends a job by extraSecs per device, paid from renterToken.
func (p Program) TopUp(renter, job, renterToken solana.PublicKey, extraSecs uint32) (solana.Instruction, error) {
	ix, err := escrow.NewTopUpInstruction(extraSecs, p.ConfigAddress(), job, p.VaultAddress(job), renter, renterToken, solana.TokenProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_TopUp, ix, err)
}

// AssignDevices proposes registry Devices for a job's free places (authority: renter or scheduler).
func (p Program) AssignDevices(authority, job solana.PublicKey, devices ...solana.PublicKey) (solana.Instruction, error) {
	metas := make([]*solana.AccountMeta, len(devices))
	for i, d := range devices {
		metas[i] = solana.Meta(d)
	}
	ix, err := escrow.NewAssignDevicesInstruction(p.ConfigAddress(), job, authority, p.Registry.ConfigAddress())
	return anchorix.Build(p.ID, escrow.Instruction_AssignDevices, ix, err, metas...)
}

// AcceptJob is the device key accepting its proposed slot; its pay goes to payout.
func (p Program) AcceptJob(job, deviceKey, payout solana.PublicKey, slot uint8) (solana.Instruction, error) {
	ix, err := escrow.NewAcceptJobInstruction(slot, p.ConfigAddress(), job, p.Registry.DeviceAddress(deviceKey), deviceKey, payout,
		p.Registry.ConfigAddress(), p.AuthorityAddress(), p.Registry.ID)
	return anchorix.Build(p.ID, escrow.Instruction_AcceptJob, ix, err)
}

// RecordUsage is one oracle's usage attestation for a job.
func (p Program) RecordUsage(oracle, job solana.PublicKey, report escrow.UsageReport) (solana.Instruction, error) {
	ix, err := escrow.NewRecordUsageInstruction(report, p.ConfigAddress(), job, p.Registry.ConfigAddress(), oracle)
	return anchorix.Build(p.ID, escrow.Instruction_RecordUsage, ix, err)
}

// CountUsage counts a job's open usage collection after its vote deadline.
func (p Program) CountUsage(job solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewCountUsageInstruction(p.ConfigAddress(), job, p.Registry.ConfigAddress())
	return anchorix.Build(p.ID, escrow.Instruction_CountUsage, ix, err)
}

// Payee is who a slot's pay belongs to: its registry Device, the device's owner and the slot's
// payout account.
type Payee struct{ Device, Owner, Payout solana.PublicKey }

// Settle pays a slot's verified, unpaid time to the payee's payout account (or, if that cannot
// take it, to the owner's Unclaimed record, whose rent payer pays if it must be created), the
// fee to treasuryToken (the treasury's account of mint) and burns the fee's burn share (IOSD
// through the economy).
func (p Program) Settle(payer, job solana.PublicKey, slot uint8, to Payee, treasuryToken, mint solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewSettleInstruction(slot, p.ConfigAddress(), job, p.VaultAddress(job), to.Payout, treasuryToken, mint, solana.TokenProgramID,
		p.Economy.ID, p.Economy.ConfigAddress(), to.Device, p.UnclaimedAddress(to.Owner, mint), p.UnclaimedVaultAddress(mint), payer,
		solana.SystemProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_Settle, ix, err)
}

// CollectUnclaimed pays owner everything its Unclaimed record of mint holds, to ownerToken (a
// token account of mint it owns), and closes the record, its rent going back to payer (the
// record's Payer).
func (p Program) CollectUnclaimed(owner, mint, ownerToken, payer solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewCollectUnclaimedInstruction(p.UnclaimedAddress(owner, mint), p.UnclaimedVaultAddress(mint), owner, ownerToken, payer,
		solana.TokenProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_CollectUnclaimed, ix, err)
}

// SetPayout points slot's payout at payout, a token account of the job's mint owned by the
// device's owner, who signs.
func (p Program) SetPayout(owner, job, device, payout solana.PublicKey, slot uint8) (solana.Instruction, error) {
	ix, err := escrow.NewSetPayoutInstruction(slot, p.ConfigAddress(), job, device, owner, payout)
	return anchorix.Build(p.ID, escrow.Instruction_SetPayout, ix, err)
}

// CancelJob stops a job; hired are the registry Devices of its hired slots in slot order (HiredDevices).
func (p Program) CancelJob(renter, job, renterToken solana.PublicKey, hired []solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewCancelJobInstruction(p.ConfigAddress(), job, p.VaultAddress(job), renter, renterToken,
		p.Registry.ConfigAddress(), p.AuthorityAddress(), p.Registry.ID, solana.TokenProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_CancelJob, ix, err, writable(hired)...)
}

// QuitJob is a device leaving slot of job, signed by its device key.
func (p Program) QuitJob(job, deviceKey solana.PublicKey, slot uint8) (solana.Instruction, error) {
	ix, err := escrow.NewQuitJobInstruction(slot, p.ConfigAddress(), job, p.Registry.DeviceAddress(deviceKey), deviceKey,
		p.Registry.ConfigAddress(), p.AuthorityAddress(), p.Registry.ID)
	return anchorix.Build(p.ID, escrow.Instruction_QuitJob, ix, err)
}

// ReplaceDevice swaps slot's device (oldDevice) for newDevice (registry Device addresses).
func (p Program) ReplaceDevice(authority, job solana.PublicKey, slot uint8, oldDevice, newDevice solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewReplaceDeviceInstruction(slot, p.ConfigAddress(), job, authority, oldDevice, newDevice,
		p.Registry.ConfigAddress(), p.AuthorityAddress(), p.Registry.ID)
	return anchorix.Build(p.ID, escrow.Instruction_ReplaceDevice, ix, err)
}

// ExpireJob ends a job whose time is up; hired as for CancelJob.
func (p Program) ExpireJob(job, renterToken solana.PublicKey, hired []solana.PublicKey) (solana.Instruction, error) {
	ix, err := escrow.NewExpireJobInstruction(p.ConfigAddress(), job, p.VaultAddress(job), renterToken,
		p.Registry.ConfigAddress(), p.AuthorityAddress(), p.Registry.ID, solana.TokenProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_ExpireJob, ix, err, writable(hired)...)
}

// CloseJob closes an ended, settled job; cluster is the job's cluster, zero if none.
func (p Program) CloseJob(job, renter, renterToken, cluster solana.PublicKey) (solana.Instruction, error) {
	var extra []*solana.AccountMeta
	if !cluster.IsZero() {
		extra = writable([]solana.PublicKey{cluster})
	}
	ix, err := escrow.NewCloseJobInstruction(p.ConfigAddress(), job, p.VaultAddress(job), renter, renterToken, solana.TokenProgramID)
	return anchorix.Build(p.ID, escrow.Instruction_CloseJob, ix, err, extra...)
}

// HiredDevices lists the registry Devices of a job's hired slots in slot order: the remaining
// accounts of CancelJob and ExpireJob.
func HiredDevices(j *escrow.Job) []solana.PublicKey {
	var out []solana.PublicKey
	for _, s := range j.Slots[:j.SlotCount] {
		if s.State == escrow.SlotHired {
			out = append(out, s.Device)
		}
	}
	return out
}

// FetchConfig reads and decodes the Config.
func (p Program) FetchConfig(ctx context.Context, r chain.Reader) (*escrow.Config, error) {
	return anchorix.Fetch(ctx, r, p.ConfigAddress(), escrow.ParseAccount_Config)
}

// FetchJob reads and decodes a job.
func (p Program) FetchJob(ctx context.Context, r chain.Reader, job solana.PublicKey) (*escrow.Job, error) {
	return anchorix.Fetch(ctx, r, job, escrow.ParseAccount_Job)
}

// FetchUnclaimed reads and decodes an owner's Unclaimed record of mint.
func (p Program) FetchUnclaimed(ctx context.Context, r chain.Reader, owner, mint solana.PublicKey) (*escrow.Unclaimed, error) {
	return anchorix.Fetch(ctx, r, p.UnclaimedAddress(owner, mint), escrow.ParseAccount_Unclaimed)
}

// FetchCluster reads and decodes a cluster.
func (p Program) FetchCluster(ctx context.Context, r chain.Reader, cluster solana.PublicKey) (*escrow.Cluster, error) {
	return anchorix.Fetch(ctx, r, cluster, escrow.ParseAccount_Cluster)
}

// jobRenterOffset is where a Job account holds its renter: right after the discriminator.
const jobRenterOffset = 8

// JobAt is a Job account with its address.
type JobAt struct {
	Address solana.PublicKey
	Job     *escrow.Job
}

// JobsOf finds every job of renter with one filtered program scan (the Job discriminator and
// the renter field), ordered by job id.
func (p Program) JobsOf(ctx context.Context, s chain.Scanner, renter solana.PublicKey) ([]JobAt, error) {
	accounts, err := s.ProgramAccounts(ctx, p.ID, chain.Memcmp(0, escrow.Account_Job[:]), chain.Memcmp(jobRenterOffset, renter[:]))
	if err != nil {
		return nil, err
	}
	out := make([]JobAt, len(accounts))
	for i, a := range accounts {
		j, err := escrow.ParseAccount_Job(a.Data)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", a.Address, err)
		}
		out[i] = JobAt{Address: a.Address, Job: j}
	}
	slices.SortFunc(out, func(a, b JobAt) int { return cmp.Compare(a.Job.JobId, b.Job.JobId) })
	return out, nil
}

package registry

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/onchain/internal/anchorix"
)

// Program is the registry program as deployed at ID on one cluster. Its methods derive the
// program's addresses and build instructions addressed to ID, so the same code serves every
// cluster (the generated builders alone would use the IDL's localnet address). Build it with
// New, which derives the fixed addresses once.
type Program struct {
	ID          solana.PublicKey
	config      solana.PublicKey
	programData solana.PublicKey
}

// New is the registry deployed at id.
func New(id solana.PublicKey) Program {
	return Program{ID: id, config: anchorix.Addr(registry.FindConfigAddress(id)), programData: anchorix.ProgramDataAddress(id)}
}

// ConfigAddress is the Config PDA.
func (p Program) ConfigAddress() solana.PublicKey { return p.config }

// ProviderAddress is a wallet's Provider PDA.
func (p Program) ProviderAddress(owner solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(registry.FindProviderAddress(p.ID, owner))
}

// DeviceAddress is a worker's Device PDA.
func (p Program) DeviceAddress(deviceKey solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(registry.FindDeviceAddress(p.ID, deviceKey))
}

// VaultAddress is a device's stake vault.
func (p Program) VaultAddress(device solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(registry.FindVaultAddress(p.ID, device))
}

// TicketAddress is a device's unstake ticket.
func (p Program) TicketAddress(device solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(registry.FindTicketAddress(p.ID, device))
}

// ProofAddress collects the attestations of one window of a device.
func (p Program) ProofAddress(device solana.PublicKey, window uint64) solana.PublicKey {
	return anchorix.Addr(registry.FindProofAddress(p.ID, device, window))
}

// SlashAddress is the record of one slash of a device.
func (p Program) SlashAddress(device solana.PublicKey, evidence [32]byte) solana.PublicKey {
	return anchorix.Addr(registry.FindSlashAddress(p.ID, device, evidence))
}

// SlashEscrowAddress holds a slash's tokens until it is resolved.
func (p Program) SlashEscrowAddress(record solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(registry.FindSlashEscrowAddress(p.ID, record))
}

// ProgramDataAddress is the BPF Loader Upgradeable account holding the program's code and
// upgrade authority.
func (p Program) ProgramDataAddress() solana.PublicKey { return p.programData }

// InitializeConfig creates the Config with its parameters and hard limits; admin must be the
// program's upgrade authority.
func (p Program) InitializeConfig(admin, ioMint, iosdMint solana.PublicKey, params registry.ConfigParams, limits registry.RegistryLimits) (solana.Instruction, error) {
	return p.build(registry.Instruction_InitializeConfig)(registry.NewInitializeConfigInstruction(params, limits, p.ConfigAddress(), admin, p.ID, p.ProgramDataAddress(), ioMint, iosdMint, solana.SystemProgramID))
}

// UpdateConfig proposes new parameters; admin must be the current admin. A change that only
// reduces a key's power applies at once; any other becomes the pending proposal (ApplyConfig).
func (p Program) UpdateConfig(admin solana.PublicKey, params registry.ConfigParams) (solana.Instruction, error) {
	return p.build(registry.Instruction_UpdateConfig)(registry.NewUpdateConfigInstruction(params, p.ConfigAddress(), admin))
}

// ApplyConfig makes the pending proposal live once its delay is over; anyone may send it.
func (p Program) ApplyConfig() (solana.Instruction, error) {
	return p.build(registry.Instruction_ApplyConfig)(registry.NewApplyConfigInstruction(p.ConfigAddress()))
}

// TransferAdmin names the pending admin.
func (p Program) TransferAdmin(admin, newAdmin solana.PublicKey) (solana.Instruction, error) {
	return p.build(registry.Instruction_TransferAdmin)(registry.NewTransferAdminInstruction(newAdmin, p.ConfigAddress(), admin))
}

// AcceptAdmin makes the signing pending admin the admin.
func (p Program) AcceptAdmin(newAdmin solana.PublicKey) (solana.Instruction, error) {
	return p.build(registry.Instruction_AcceptAdmin)(registry.NewAcceptAdminInstruction(p.ConfigAddress(), newAdmin))
}

// SetPause pauses or resumes the registry.
func (p Program) SetPause(admin solana.PublicKey, paused bool) (solana.Instruction, error) {
	return p.build(registry.Instruction_SetPause)(registry.NewSetPauseInstruction(paused, p.ConfigAddress(), admin))
}

// RegisterProvider creates owner's Provider.
func (p Program) RegisterProvider(owner solana.PublicKey, metadataURI string) (solana.Instruction, error) {
	return p.build(registry.Instruction_RegisterProvider)(registry.NewRegisterProviderInstruction(metadataURI, p.ConfigAddress(), p.ProviderAddress(owner), owner, solana.SystemProgramID))
}

// RegisterDevice registers the worker deviceKey under owner's Provider; both sign.
func (p Program) RegisterDevice(owner, deviceKey, ioMint solana.PublicKey, spec registry.DeviceSpec) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	vault, bump := anchorix.PDA(registry.FindVaultAddress(p.ID, device))
	return p.build(registry.Instruction_RegisterDevice)(registry.NewRegisterDeviceInstruction(spec, bump, p.ConfigAddress(), p.ProviderAddress(owner), device, vault,
		owner, deviceKey, ioMint, solana.TokenProgramID, solana.SystemProgramID))
}

// Stake moves amount IO base units from ownerToken into the device's vault.
func (p Program) Stake(owner, deviceKey, ownerToken solana.PublicKey, amount uint64) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_Stake)(registry.NewStakeInstruction(amount, p.ConfigAddress(), p.ProviderAddress(owner), device, p.VaultAddress(device),
		owner, ownerToken, solana.TokenProgramID))
}

// RequestUnstake moves amount of stake into the device's unstake ticket.
func (p Program) RequestUnstake(owner, deviceKey solana.PublicKey, amount uint64) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_RequestUnstake)(registry.NewRequestUnstakeInstruction(amount, p.ConfigAddress(), p.ProviderAddress(owner), device, p.TicketAddress(device),
		owner, solana.SystemProgramID))
}

// WithdrawUnstaked pays the ticket out to ownerToken after its cooldown.
func (p Program) WithdrawUnstaked(owner, deviceKey, ownerToken solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_WithdrawUnstaked)(registry.NewWithdrawUnstakedInstruction(p.ConfigAddress(), device, p.TicketAddress(device), p.VaultAddress(device),
		owner, ownerToken, solana.TokenProgramID))
}

// DeregisterDevice retires an empty device; IO others sent to its vault goes to ownerToken.
func (p Program) DeregisterDevice(owner, deviceKey, ownerToken solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_DeregisterDevice)(registry.NewDeregisterDeviceInstruction(p.ConfigAddress(), p.ProviderAddress(owner), device, p.VaultAddress(device),
		owner, ownerToken, solana.TokenProgramID))
}

// SubmitProof is one oracle's attestation for one window of a device. rentPayer is the
// window's payer (ProofWindow.Payer), or the oracle itself when it opens the window: the rent
// goes back there when the window closes.
func (p Program) SubmitProof(oracle, deviceKey solana.PublicKey, report registry.ProofReport, rentPayer solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_SubmitProof)(registry.NewSubmitProofInstruction(report, p.ConfigAddress(), device, p.ProofAddress(device, report.Window), oracle, solana.SystemProgramID, rentPayer))
}

// CountProof counts a proof window after its voting deadline (anyone), returning its rent to
// payer (ProofWindow.Payer).
func (p Program) CountProof(deviceKey solana.PublicKey, window uint64, payer solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_CountProof)(registry.NewCountProofInstruction(p.ConfigAddress(), device, p.ProofAddress(device, window), payer))
}

// CloseStaleProof closes a proof window that can no longer count, returning its rent to payer.
func (p Program) CloseStaleProof(deviceKey solana.PublicKey, window uint64, payer solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	return p.build(registry.Instruction_CloseStaleProof)(registry.NewCloseStaleProofInstruction(p.ConfigAddress(), device, p.ProofAddress(device, window), payer))
}

// Slash slashes owner's device for an offence (registry.Offence...) with evidence that a quorum of oracles signed:
// authority submits it and pays (anyone, the keeper say; it counts as a signer when it is an
// oracle) and the oracles are cosigners (appended as signing accounts). The slash names no job:
// its compensation share goes to the configured pool (SlashJob names the renter's job).
func (p Program) Slash(authority, owner, deviceKey, ioMint solana.PublicKey, offence uint8, evidence [32]byte, cosigners ...solana.PublicKey) (solana.Instruction, error) {
	return p.SlashJob(authority, owner, deviceKey, ioMint, NoJob, offence, evidence, cosigners...)
}

// AbandonedJob is the escrow Job a slashed device abandoned: its address and the escrow
// program that owns it (the registry proves the ownership with the escrow's authority PDA).
type AbandonedJob struct {
	Job    solana.PublicKey
	Escrow solana.PublicKey // the escrow program's id
}

// NoJob is a slash that abandoned no job: the system program goes in the job's place.
var NoJob = AbandonedJob{Job: solana.SystemProgramID}

// SlashJob is Slash naming the escrow Job the device abandoned: the job must list the device
// (hired or left), and the record's beneficiary becomes the job's renter, who receives the
// compensation share at finalization (FinalizeSlashFor). NoJob (or a zero job) is Slash.
func (p Program) SlashJob(authority, owner, deviceKey, ioMint solana.PublicKey, job AbandonedJob, offence uint8, evidence [32]byte, cosigners ...solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	record := p.SlashAddress(device, evidence)
	escrow, bump := anchorix.PDA(registry.FindSlashEscrowAddress(p.ID, record))
	jobAccount, authorityBump := solana.SystemProgramID, uint8(0)
	if !job.Job.IsZero() {
		jobAccount = job.Job
		_, authorityBump = anchorix.PDA(solana.FindProgramAddress([][]byte{[]byte(escrowAuthoritySeed)}, job.Escrow))
	}
	extra := make([]*solana.AccountMeta, len(cosigners))
	for i, c := range cosigners {
		extra[i] = solana.Meta(c).SIGNER()
	}
	ix, err := registry.NewSlashInstruction(offence, evidence, bump, authorityBump, p.ConfigAddress(), device, p.ProviderAddress(owner), p.TicketAddress(device), p.VaultAddress(device),
		record, escrow, authority, ioMint, solana.TokenProgramID, solana.SystemProgramID, jobAccount)
	return anchorix.Build(p.ID, registry.Instruction_Slash, ix, err, extra...)
}

// escrowAuthoritySeed is the escrow's authority PDA seed (idl/escrow.json SEED_ESCROW_AUTHORITY).
const escrowAuthoritySeed = "escrow_authority"

// ResolveAppeal reverses a pending slash of owner's device (admin, within the appeal window).
func (p Program) ResolveAppeal(admin, owner, deviceKey solana.PublicKey, evidence [32]byte, payer solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	record := p.SlashAddress(device, evidence)
	return p.build(registry.Instruction_ResolveAppeal)(registry.NewResolveAppealInstruction(p.ConfigAddress(), device, p.ProviderAddress(owner), p.VaultAddress(device), record, p.SlashEscrowAddress(record),
		payer, admin, solana.TokenProgramID))
}

// FinalizeSlash splits a slash after its appeal window: burn, treasury, compensation.
// compensation is the record's beneficiary's IO token account when it has one, else the
// configured compensation pool (Compensation picks it; FinalizeSlashFor does it all).
func (p Program) FinalizeSlash(deviceKey solana.PublicKey, evidence [32]byte, ioMint, treasury, compensation, payer solana.PublicKey) (solana.Instruction, error) {
	device := p.DeviceAddress(deviceKey)
	record := p.SlashAddress(device, evidence)
	return p.build(registry.Instruction_FinalizeSlash)(registry.NewFinalizeSlashInstruction(p.ConfigAddress(), device, record, p.SlashEscrowAddress(record),
		ioMint, treasury, compensation, payer, solana.TokenProgramID))
}

// FetchSlashRecord reads and decodes the record of a slash of a device key.
func (p Program) FetchSlashRecord(ctx context.Context, r chain.Reader, deviceKey solana.PublicKey, evidence [32]byte) (*registry.SlashRecord, error) {
	return anchorix.Fetch(ctx, r, p.SlashAddress(p.DeviceAddress(deviceKey), evidence), registry.ParseAccount_SlashRecord)
}

// Compensation is where a slash's compensation share goes: the beneficiary's associated IO
// token account when the record names one (the renter of the job the device abandoned), else
// pool (the configured compensation pool).
func Compensation(record *registry.SlashRecord, ioMint, pool solana.PublicKey) (solana.PublicKey, error) {
	if record.Beneficiary.IsZero() {
		return pool, nil
	}
	ata, _, err := solana.FindAssociatedTokenAddress(record.Beneficiary, ioMint)
	return ata, err
}

// FinalizeSlashFor reads the record of a slash and returns what finalizes it (FinalizeRecord).
func (p Program) FinalizeSlashFor(ctx context.Context, r chain.Reader, cranker, deviceKey solana.PublicKey, evidence [32]byte, ioMint, treasury, pool solana.PublicKey) ([]solana.Instruction, error) {
	record, err := p.FetchSlashRecord(ctx, r, deviceKey, evidence)
	if err != nil {
		return nil, err
	}
	return p.FinalizeRecord(record, cranker, deviceKey, ioMint, treasury, pool)
}

// FinalizeRecord is what finalizes the slash of record (of deviceKey), cranker paying the fee:
// with a beneficiary, first the idempotent creation of its associated IO token account
// (cranker pays its rent when it is missing, so a renter who closed it cannot block the
// finalization), then finalize_slash paying it; without, finalize_slash paying pool. The
// record's rent payer gets the escrow's rent back.
func (p Program) FinalizeRecord(record *registry.SlashRecord, cranker, deviceKey, ioMint, treasury, pool solana.PublicKey) ([]solana.Instruction, error) {
	to, err := Compensation(record, ioMint, pool)
	if err != nil {
		return nil, err
	}
	finalize, err := p.FinalizeSlash(deviceKey, record.EvidenceHash, ioMint, treasury, to, record.Payer)
	if err != nil {
		return nil, err
	}
	if record.Beneficiary.IsZero() {
		return []solana.Instruction{finalize}, nil
	}
	return []solana.Instruction{chain.CreateAssociatedTokenAccount(cranker, record.Beneficiary, ioMint), finalize}, nil
}

// HireDevice marks a device hired for job; the escrow authority signs.
func (p Program) HireDevice(escrowAuthority, deviceKey, job solana.PublicKey) (solana.Instruction, error) {
	return p.build(registry.Instruction_SetDeviceJob)(registry.NewSetDeviceJobInstruction(job, true, p.ConfigAddress(), p.DeviceAddress(deviceKey), escrowAuthority))
}

// ReleaseDevice frees a device from job; the escrow authority that hired it signs.
func (p Program) ReleaseDevice(escrowAuthority, deviceKey, job solana.PublicKey) (solana.Instruction, error) {
	return p.build(registry.Instruction_SetDeviceJob)(registry.NewSetDeviceJobInstruction(job, false, p.ConfigAddress(), p.DeviceAddress(deviceKey), escrowAuthority))
}

// SetAsks sets the asking prices per device-hour of owner's device, in registry.AskUnit base
// units of IOSD and IO (askIO 0: IO jobs refused); owner signs.
func (p Program) SetAsks(owner, deviceKey solana.PublicKey, askIOSD, askIO uint32) (solana.Instruction, error) {
	return p.build(registry.Instruction_SetAsks)(registry.NewSetAsksInstruction(askIOSD, askIO, p.ConfigAddress(), p.DeviceAddress(deviceKey), owner))
}

// FetchConfig reads and decodes the Config account.
func (p Program) FetchConfig(ctx context.Context, r chain.Reader) (*registry.Config, error) {
	return anchorix.Fetch(ctx, r, p.ConfigAddress(), registry.ParseAccount_Config)
}

// FetchProvider reads and decodes owner's Provider.
func (p Program) FetchProvider(ctx context.Context, r chain.Reader, owner solana.PublicKey) (*registry.Provider, error) {
	return anchorix.Fetch(ctx, r, p.ProviderAddress(owner), registry.ParseAccount_Provider)
}

// FetchDevice reads and decodes the Device of a device key.
func (p Program) FetchDevice(ctx context.Context, r chain.Reader, deviceKey solana.PublicKey) (*registry.Device, error) {
	return p.FetchDeviceAt(ctx, r, p.DeviceAddress(deviceKey))
}

// FetchDeviceAt reads and decodes the Device at its address (as escrow slots name it).
func (p Program) FetchDeviceAt(ctx context.Context, r chain.Reader, device solana.PublicKey) (*registry.Device, error) {
	return anchorix.Fetch(ctx, r, device, registry.ParseAccount_Device)
}

// Where a Device account holds the fields the scans filter on: its owner after the
// discriminator and the Provider address; its hardware model (spec.hardware_model) after the
// five addresses, nine u64 and three u32 before the spec.
const (
	deviceOwnerOffset = 8 + 32
	deviceModelOffset = 8 + 5*32 + 9*8 + 3*4
)

// DeviceAt is a Device account with its address.
type DeviceAt struct {
	Address solana.PublicKey
	Device  *registry.Device
}

// DevicesOf finds every Device that owner's wallet owns with one filtered program scan, in the
// node's order.
func (p Program) DevicesOf(ctx context.Context, s chain.Scanner, owner solana.PublicKey) ([]DeviceAt, error) {
	return p.devices(ctx, s, chain.Memcmp(deviceOwnerOffset, owner[:]))
}

// Devices finds every Device of the hardware models given (every Device when none), with one
// filtered program scan per model, in the node's order per model.
func (p Program) Devices(ctx context.Context, s chain.Scanner, models ...uint32) ([]DeviceAt, error) {
	if len(models) == 0 {
		return p.devices(ctx, s)
	}
	var out []DeviceAt
	for _, m := range models {
		found, err := p.devices(ctx, s, chain.Memcmp(deviceModelOffset, binary.LittleEndian.AppendUint32(nil, m)))
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// devices scans the Device accounts that pass filters.
func (p Program) devices(ctx context.Context, s chain.Scanner, filters ...chain.Filter) ([]DeviceAt, error) {
	accounts, err := s.ProgramAccounts(ctx, p.ID, append([]chain.Filter{chain.Memcmp(0, registry.Account_Device[:])}, filters...)...)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceAt, len(accounts))
	for i, a := range accounts {
		d, err := registry.ParseAccount_Device(a.Data)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", a.Address, err)
		}
		out[i] = DeviceAt{Address: a.Address, Device: d}
	}
	return out, nil
}

// build returns what addresses a generated instruction to p.ID (see anchorix.Build).
func (p Program) build(discriminator [8]byte) func(solana.Instruction, error) (solana.Instruction, error) {
	return func(ix solana.Instruction, err error) (solana.Instruction, error) {
		return anchorix.Build(p.ID, discriminator, ix, err)
	}
}

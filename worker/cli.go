package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/worker/gpu"
	"github.com/gpunet/gpunet/worker/nvml"
)

// Execute runs gpunet-worker with args and returns its exit status.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := command(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 1
	}
	return 0
}

// session is what register and status share: the config file, -u and -o.
type session struct {
	config, url, output string
	format              cli.Format
}

func (s *session) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.config, "config", ConfigFile(DefaultDir()), "the worker's config file (written by init)")
	f.StringVarP(&s.url, "url", "u", "", "JSON-RPC URL or moniker, overriding the config's")
	f.StringVarP(&s.output, "output", "o", string(cli.Text), "output format: text, json or json-compact")
}

// load reads the config (file < env) with -u on top, the device key, the network and the
// hardware.
func (s *session) load(ctx context.Context, log *slog.Logger) (*Config, solana.PrivateKey, *network.Network, gpu.Report, error) {
	var report gpu.Report
	var err error
	if s.format, err = cli.ParseFormat(s.output); err != nil {
		return nil, nil, nil, report, err
	}
	cfg := DefaultConfig()
	if err := daemon.Load(Name, []string{"-config", s.config}, &cfg); err != nil {
		return nil, nil, nil, report, withNextStep(err, s.config)
	}
	if s.url != "" {
		target, err := cli.ParseTarget(s.url)
		if err != nil {
			return nil, nil, nil, report, err
		}
		cfg.URL, cfg.Cluster = target.URL, target.Cluster
	}
	key, err := keyfile.Load(cfg.DeviceKeypair)
	if err != nil {
		return nil, nil, nil, report, withNextStep(err, cfg.DeviceKeypair)
	}
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return nil, nil, nil, report, err
	}
	detector := nvml.New(nil)
	defer detector.Close()
	report = gpu.NewMonitor(detector, log).Detect(ctx)
	return &cfg, key, n, report, nil
}

// withNextStep adds what to do to a missing config or device key: init writes both.
func withNextStep(err error, path string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w\n%s does not exist: run `gpunet-worker init` to write the device key and config (or pass --config FILE)", err, path)
	}
	return err
}

func command(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "gpunet-worker",
		Short: "Run a gpunet provider's host: register the device, heartbeat to the oracles, say why it is (not) hireable",
		Example: `  gpunet-worker init                       # device key + commented config in ` + DefaultDir() + `
  gpunet-worker register                   # register and stake, signed by your wallet (-k) and the device key
  gpunet-worker price set --iosd 0.45      # the asking price per device-hour (your wallet signs)
  gpunet-worker run                        # the daemon: heartbeats to every oracle
  gpunet-worker status -o json             # chain, host and oracles side by side
  gpunet-worker rewards --claim            # what the oracles attested, claimed with your wallet (-k)`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	root.AddCommand(initCommand(stdout), registerCommand(stdout, stderr, log), priceCommand(stdout, log), statusCommand(stdout, log), rewardsCommand(stdout, log), runCommand(stderr))
	return root
}

func initCommand(stdout io.Writer) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the device keypair (0600) and a commented config file",
		Long: `init creates this device's identity: a new keypair (mode 0600), whose public key is the
device's address in the registry, and a config file listing every setting with its meaning.
It never overwrites a device key; an existing config file is kept.`,
		Example: `  gpunet-worker init
  gpunet-worker init --dir /var/lib/gpunet-worker   # for a systemd service
  gpunet-worker init -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			format, err := cli.ParseFormat(output)
			if err != nil {
				return err
			}
			res, err := Init(dir)
			if err != nil {
				return err
			}
			return format.Print(stdout, res, func(w io.Writer) error { return printInit(w, res) })
		},
	}
	cmd.Flags().StringVar(&dir, "dir", DefaultDir(), "directory of the key, config and state")
	cmd.Flags().StringVarP(&output, "output", "o", string(cli.Text), "output format: text, json or json-compact")
	return cmd
}

func printInit(w io.Writer, res InitResult) error {
	fmt.Fprintf(w, "Device:  %s\nWrote the device keypair to %s (mode 0600; back it up: it is the device's identity on chain)\n", res.Device, res.Key)
	if res.ConfigKept {
		fmt.Fprintf(w, "Kept the existing config %s\n", res.Config)
	} else {
		fmt.Fprintf(w, "Wrote the config to %s (each setting with its meaning: set oracles, owner-keypair and the hardware overrides you need)\n", res.Config)
	}
	_, err := fmt.Fprintf(w, "\nNext: gpunet-worker register --config %s -k YOUR_WALLET.json\n", res.Config)
	return err
}

// ownerFlags are how the owner wallet signs (register, price set): -k, or offline with
// --owner on a durable nonce, --sign-only and --signer, as with the Solana CLI.
type ownerFlags struct {
	keypair, owner, nonce, nonceAuthority string
	presigned                             []string
	signOnly                              bool
}

func (f *ownerFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&f.keypair, "keypair", "k", "", "the owner wallet's keypair file (default: the config's owner-keypair, else the Solana CLI's)")
	fs.StringVar(&f.owner, "owner", "", "the owner wallet's public key, when it signs offline")
	fs.BoolVar(&f.signOnly, "sign-only", false, "sign what can be signed here (the device key, -k if given), print the transaction and the absent signers, send nothing")
	fs.StringVar(&f.nonce, "nonce", "", "durable nonce account to build on (needed to sign offline)")
	fs.StringVar(&f.nonceAuthority, "nonce-authority", "", "the nonce account's authority (a signer)")
	fs.StringArrayVar(&f.presigned, "signer", nil, "an offline signature PUBKEY=SIGNATURE (repeatable)")
}

// options reads the flags: the owner and its signers, the nonce, sign-only.
func (f *ownerFlags) options(cfg *Config) (OwnerOptions, error) {
	var o OwnerOptions
	var err error
	o.SignOnly = f.signOnly
	if (f.nonce == "") != (f.nonceAuthority == "") {
		return o, errors.New("--nonce and --nonce-authority go together")
	}
	if f.nonce != "" {
		if o.Nonce, err = solana.PublicKeyFromBase58(f.nonce); err != nil {
			return o, fmt.Errorf("--nonce: %w", err)
		}
		if o.NonceAuthority, err = solana.PublicKeyFromBase58(f.nonceAuthority); err != nil {
			return o, fmt.Errorf("--nonce-authority: %w", err)
		}
	} else if f.signOnly || len(f.presigned) > 0 {
		return o, errors.New("offline signatures need a durable nonce: --nonce ACCOUNT --nonce-authority PUBKEY")
	}
	for _, p := range f.presigned {
		signer, err := chain.ParsePresigned(p)
		if err != nil {
			return o, err
		}
		o.Signers = append(o.Signers, signer)
	}
	switch {
	case f.owner != "":
		if o.Owner, err = solana.PublicKeyFromBase58(f.owner); err != nil {
			return o, fmt.Errorf("--owner: %w", err)
		}
	default:
		wallet, err := ownerWallet(f.keypair, cfg)
		if err != nil {
			return o, fmt.Errorf("owner wallet (-k, or --owner PUBKEY to sign offline): %w", err)
		}
		o.Owner = wallet.PublicKey()
		o.Signers = append(o.Signers, wallet)
	}
	if f.keypair != "" && f.owner != "" {
		wallet, err := keyfile.Load(f.keypair)
		if err != nil {
			return o, err
		}
		o.Signers = append(o.Signers, wallet)
	}
	return o, nil
}

func registerCommand(stdout, progress io.Writer, log *slog.Logger) *cobra.Command {
	var s session
	var owner ownerFlags
	var stake uint64
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register the device and stake its hardware's minimum (owner wallet and device key sign)",
		Long: `register creates your Provider (once), registers this device with the hardware found, and
stakes up to the minimum of its hardware model (or --stake). The owner wallet pays and signs
with the device key. An offline wallet signs as with the Solana CLI: --sign-only on a durable
nonce prints the transaction and the absent signers; run the same command again with
--signer PUBKEY=SIGNATURE to complete and send it.`,
		Example: `  gpunet-worker register -k ~/.config/solana/id.json
  gpunet-worker register --owner OWNER --nonce NONCE --nonce-authority OWNER --sign-only
  gpunet-worker register --owner OWNER --nonce NONCE --nonce-authority OWNER --signer OWNER=SIGNATURE`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			step := func(format string, a ...any) { fmt.Fprintf(progress, "... "+format+"\n", a...) }
			step("reading %s, the device key and this host's hardware", s.config)
			cfg, device, n, report, err := s.load(cmd.Context(), log)
			if err != nil {
				return err
			}
			oo, err := owner.options(cfg)
			if err != nil {
				return err
			}
			o := RegisterOptions{OwnerOptions: oo, Stake: stake}
			step("device %s, owner %s: reading the registry", device.PublicKey(), o.Owner)
			plan, err := Plan(cmd.Context(), n, cfg, device.PublicKey(), o.Owner, report, o.Stake)
			if err != nil {
				return err
			}
			if len(plan.Instructions) == 0 {
				return ErrNothingToDo
			}
			step("to do: %s", planSteps(plan))
			if o.SignOnly {
				step("signing with the device key (and -k if given); nothing is sent")
			} else {
				step("signing and sending; waiting for confirmation")
			}
			signed, err := Register(cmd.Context(), n, plan, device, o)
			if err != nil {
				return err
			}
			return s.format.Print(stdout, signed, func(w io.Writer) error { return printSigned(w, signed, o.SignOnly) })
		},
	}
	s.flags(cmd)
	owner.add(cmd)
	cmd.Flags().Uint64Var(&stake, "stake", 0, "stake the device should hold, in IO base units (default: its hardware's minimum)")
	return cmd
}

// planSteps says what plan sends, in words.
func planSteps(p *RegisterPlan) string {
	var steps []string
	if p.NewProvider {
		steps = append(steps, "create your Provider")
	}
	if p.NewDevice {
		steps = append(steps, fmt.Sprintf("register the device as hardware model %d", p.Spec.HardwareModel))
	}
	if p.TopUp > 0 {
		steps = append(steps, fmt.Sprintf("stake %d IO base units (minimum %d)", p.TopUp, p.MinStake))
	}
	return strings.Join(steps, ", ")
}

// ownerWallet loads the owner wallet: keypair (-k), else the config's owner-keypair, else
// the Solana CLI's default keypair.
func ownerWallet(keypair string, cfg *Config) (solana.PrivateKey, error) {
	path := keypair
	if path == "" {
		path = cfg.OwnerKeypair
	}
	if path == "" {
		path = solanaDefaultKeypair()
	}
	return keyfile.Load(path)
}

func solanaDefaultKeypair() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	c, err := cli.LoadSolanaConfig(home)
	if err != nil {
		return ""
	}
	return c.DefaultKeypair(home)
}

func printSigned(w io.Writer, s *Signed, signOnly bool) error {
	p := s.Plan
	fmt.Fprintf(w, "Device: %s (hardware model %d, %d GPUs, %d GiB each)\n", p.Device, p.Spec.HardwareModel, p.Spec.GpuCount, p.Spec.VramGib)
	if p.CPUOnly != "" {
		fmt.Fprintf(w, "CPU class: %s\n", p.CPUOnly)
	}
	fmt.Fprintf(w, "Stake: %d staked, minimum %d, adding %d (from %s)\n", p.Staked, p.MinStake, p.TopUp, p.OwnerIOAccount)
	return printTransaction(w, &s.Transaction, signOnly)
}

// printTransaction writes a sent transaction's signature, or what --sign-only signed.
func printTransaction(w io.Writer, s *Transaction, signOnly bool) error {
	if !signOnly {
		_, err := fmt.Fprintf(w, "Signature: %s\n", s.Signature)
		return err
	}
	fmt.Fprintf(w, "\nBlockhash: %s\nSigners (Pubkey=Signature):\n", s.Blockhash)
	for _, sig := range s.Signers {
		fmt.Fprintf(w, "  %s\n", sig)
	}
	if len(s.Absent) > 0 {
		fmt.Fprintln(w, "Absent Signers (Pubkey):")
		for _, a := range s.Absent {
			fmt.Fprintf(w, "  %s\n", a)
		}
	}
	_, err := fmt.Fprintf(w, "Message to sign (base64): %s\nTransaction (base58): %s\n", s.Message, s.Base58)
	return err
}

func priceCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	price := &cobra.Command{
		Use:   "price",
		Short: "The device's asking prices per device-hour, on chain",
		Args:  cobra.NoArgs,
	}
	var s session
	var owner ownerFlags
	var iosdAsk, ioAsk string
	set := &cobra.Command{
		Use:   "set",
		Short: "Set the device's asking prices per device-hour in IOSD and in IO (owner wallet signs)",
		Long: `price set stores the device's asking prices per device-hour in the registry (set_asks): the
escrow refuses a job priced below the ask in the job's mint. Amounts are in tokens, in steps
of 1,000 base units (0.001 IOSD, 0.00001 IO). --iosd 0 takes any IOSD price; --io 0 refuses
IO jobs; a price not given keeps its current value. The owner wallet pays and signs, offline
too, as with register.`,
		Example: `  gpunet-worker price set --iosd 0.45 --io 1.2
  gpunet-worker price set --io 0                     # IO jobs refused
  gpunet-worker price set --iosd 0.45 --owner OWNER --nonce NONCE --nonce-authority OWNER --sign-only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			asks := map[string]*uint64{}
			for _, a := range []struct {
				flag, value string
				token       cli.Token
			}{{"iosd", iosdAsk, cli.IOSD}, {"io", ioAsk, cli.IO}} {
				if !cmd.Flags().Changed(a.flag) {
					continue
				}
				units, err := ParseAsk(a.token, a.value)
				if err != nil {
					return fmt.Errorf("--%s: %w", a.flag, err)
				}
				asks[a.flag] = &units
			}
			if len(asks) == 0 {
				return errors.New("nothing to set: give --iosd, --io or both")
			}
			cfg, key, n, _, err := s.load(cmd.Context(), log)
			if err != nil {
				return err
			}
			o, err := owner.options(cfg)
			if err != nil {
				return err
			}
			set, err := SetPrice(cmd.Context(), n, key.PublicKey(), asks["iosd"], asks["io"], o)
			if err != nil {
				return err
			}
			return s.format.Print(stdout, set, func(w io.Writer) error {
				fmt.Fprintf(w, "Device: %s\nAsks: %s (were %s)\n", set.Device, set.Asks, set.Before)
				return printTransaction(w, &set.Transaction, o.SignOnly)
			})
		},
	}
	s.flags(set)
	owner.add(set)
	set.Flags().StringVar(&iosdAsk, "iosd", "", "asking price per device-hour in IOSD (0: any IOSD price)")
	set.Flags().StringVar(&ioAsk, "io", "", "asking price per device-hour in IO (0: IO jobs refused)")
	price.AddCommand(set)
	return price
}

func statusCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	var s session
	cmd := &cobra.Command{
		Use:   "status",
		Short: "What the chain, this host and each oracle say about this device, and why it is not hireable",
		Long: `status puts side by side what the registry holds about this device, what this host detects,
and what each configured oracle last received from it (heartbeat, GPU health, its on-chain
votes), each answer checked against the registry's oracle keys. It lists every reason the
device is not hireable with its fix, and says plainly when the host looks ready but the
network counts the device down.`,
		Example: `  gpunet-worker status
  gpunet-worker status -o json
  gpunet-worker status --config /var/lib/gpunet-worker/config.json -u devnet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, key, n, report, err := s.load(cmd.Context(), log)
			if err != nil {
				return err
			}
			urls, _ := cfg.OracleURLs()
			st, err := DeviceStatus(cmd.Context(), n, key.PublicKey(), report, urls)
			if err != nil {
				return err
			}
			return s.format.Print(stdout, st, func(w io.Writer) error { return PrintStatus(w, st) })
		},
	}
	s.flags(cmd)
	return cmd
}

func rewardsCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	var s session
	var keypair string
	var claim bool
	cmd := &cobra.Command{
		Use:   "rewards",
		Short: "What the oracles attested this device earned, what is claimable, and claim it (owner wallet signs)",
		Long: `rewards reads the device's reward record in the economy: each oracle's cumulative value over
the advanced epochs, the attested value (the low end of a quorum of them that agrees, as
claim_rewards counts it), what was paid and what is claimable now, or why nothing is. With
--claim the owner wallet (-k, else the config's owner-keypair, else the Solana CLI's) signs
and pays claim_rewards, which mints the claimable IO to the owner's IO associated token account.`,
		Example: `  gpunet-worker rewards
  gpunet-worker rewards --claim -k ~/.config/solana/id.json
  gpunet-worker rewards -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, key, n, _, err := s.load(cmd.Context(), log)
			if err != nil {
				return err
			}
			var r *Rewards
			if claim {
				wallet, err := ownerWallet(keypair, cfg)
				if err != nil {
					return fmt.Errorf("owner wallet (-k): %w", err)
				}
				r, err = ClaimRewards(cmd.Context(), n, key.PublicKey(), wallet)
				if err != nil {
					return err
				}
			} else if r, err = DeviceRewards(cmd.Context(), n, key.PublicKey()); err != nil {
				return err
			}
			return s.format.Print(stdout, r, func(w io.Writer) error { return PrintRewards(w, r) })
		},
	}
	s.flags(cmd)
	cmd.Flags().StringVarP(&keypair, "keypair", "k", "", "the owner wallet's keypair file (default: the config's owner-keypair, else the Solana CLI's)")
	cmd.Flags().BoolVar(&claim, "claim", false, "claim what is claimable, signed and paid by the owner wallet")
	return cmd
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/network"
)

// app is one run of gpunet: the global flags, as parsed, that every command uses.
type app struct {
	url, keypair, output, commitment, anchorToml string

	target cli.Target
	format cli.Format
	// started is set once flags and arguments are accepted: an error before it is a usage error.
	started bool
}

// execute runs gpunet with args, reading confirmations from stdin and printing errors to
// stderr, and a usage hint after a mistyped command, flag or argument.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{}
	root, err := a.rootCommand()
	if err == nil {
		root.SetArgs(args)
		root.SetIn(stdin)
		root.SetOut(stdout)
		root.SetErr(stderr)
		var cmd *cobra.Command
		cmd, err = root.ExecuteContextC(ctx)
		if err != nil && !a.started {
			defer fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
	}
	return err
}

func (a *app) rootCommand() (*cobra.Command, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("find the home directory: %w", err)
	}
	solana, err := cli.LoadSolanaConfig(home)
	if err != nil {
		return nil, err
	}
	root := &cobra.Command{
		Use:   "gpunet",
		Short: "Operate gpunet, the decentralized GPU compute network on Solana",
		Long: `gpunet reads and configures gpunet's programs on a Solana cluster, and manages a
renter's jobs (docs/renter.md).

Like the Solana CLI, it takes the cluster from -u/--url and the signer from -k/--keypair, both
defaulting to the Solana CLI's config (~/.config/solana/cli/config.yml). The program ids of
each cluster come from the Anchor.toml built into gpunet (or --anchor-toml).`,
		Example: `  make dev                                  # start a configured localnet
  gpunet registry-config                    # the registry's config on the default cluster
  gpunet -u http://10.0.0.5:8899 economy-config -o json
                                            # another RPC, as JSON (ids by its genesis hash)
  gpunet --anchor-toml my/Anchor.toml -u devnet registry-config
                                            # your own deployment's ids on devnet
  gpunet jobs -k target/dev/renter.json     # make dev's renter's jobs`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(*cobra.Command, []string) (err error) {
			if a.target, err = cli.ParseTarget(a.url); err != nil {
				return err
			}
			if a.format, err = cli.ParseFormat(a.output); err != nil {
				return err
			}
			switch rpc.CommitmentType(a.commitment) {
			case "", rpc.CommitmentProcessed, rpc.CommitmentConfirmed, rpc.CommitmentFinalized:
			default:
				return fmt.Errorf("--commitment %q: want processed, confirmed or finalized", a.commitment)
			}
			a.started = true
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	f := root.PersistentFlags()
	f.StringVarP(&a.url, "url", "u", solana.DefaultURL(),
		"JSON-RPC URL or moniker: localhost, devnet, testnet, mainnet-beta (l, d, t, m)")
	f.StringVar(&a.url, "cluster", solana.DefaultURL(), "the cluster")
	if err := f.MarkDeprecated("cluster", "use -u/--url"); err != nil {
		return nil, err
	}
	f.StringVarP(&a.keypair, "keypair", "k", solana.DefaultKeypair(home), "keypair file of the signer")
	f.StringVarP(&a.output, "output", "o", string(cli.Text), "output format: text, json or json-compact")
	f.StringVar(&a.commitment, "commitment", solana.Commitment, "commitment: processed, confirmed or finalized (default: confirmed)")
	f.StringVar(&a.anchorToml, "anchor-toml", "", "Anchor.toml with the program ids (default: the one built into gpunet)")
	root.AddCommand(a.localnetInitCommand(), a.airdropCommand(), a.quoteCommand(), a.deployCommand())
	root.AddCommand(a.configCommands()...)
	root.AddCommand(a.jobsCommand(), a.jobCommand(), a.topupCommand(), a.cancelCommand(), a.closeCommand())
	return root, nil
}

// open opens the network -u/--url points at; cluster, when not empty, overrides the one the
// target names (the localnet's DEV-ONLY ids for the commands that sign with DEV-ONLY keys).
func (a *app) open(ctx context.Context, cluster string, mints network.Mints) (*network.Network, error) {
	if cluster == "" {
		cluster = a.target.Cluster
	}
	net, err := network.Open(ctx, network.Options{Cluster: cluster, URL: a.target.URL, AnchorToml: a.anchorToml,
		Mints: mints, Commitment: rpc.CommitmentType(a.commitment)})
	if errors.Is(err, network.ErrNoProgramIDs) && a.anchorToml == "" {
		return nil, fmt.Errorf("%w (gpunet has no deployment there yet; for one of your own, pass its Anchor.toml with --anchor-toml)", err)
	}
	return net, err
}

// localnetOnly is for the commands that sign with DEV-ONLY keys: without -u they go to the
// localhost (whatever the Solana CLI's config says), and a named public cluster is refused (on
// a URL, network.Open refuses a public cluster by its genesis hash).
func (a *app) localnetOnly(cmd *cobra.Command, does string) error {
	if !cmd.Flags().Changed("url") && !cmd.Flags().Changed("cluster") {
		target, err := cli.ParseTarget("localhost")
		if err != nil {
			return err
		}
		a.target = target
	}
	if c := a.target.Cluster; c != "" && c != network.DevCluster {
		return fmt.Errorf("%s %s and runs only against the localnet, not %s", cmd.Name(), does, c)
	}
	return nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/devnet"
	"github.com/gpunet/gpunet/internal/renter"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// Deployed is what `gpunet deploy` prints: the quote it acted on and the ready cluster.
type Deployed struct {
	Quote      *Quote             `json:"quote"`
	Deployment *renter.Deployment `json:"deployment"`
}

func (a *app) deployCommand() *cobra.Command {
	var (
		req     request
		yes     bool
		dir     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "deploy --gpus N --class C --hours H --max-price P",
		Short: "Rent devices as one Ray cluster, paid per verified second from escrow",
		Long: `Quotes the request (as gpunet quote), asks for confirmation unless --yes, then creates and
funds the job, publishes its spec to the oracles' relay, proposes the chosen devices and shows
progress until the cluster is ready: every device accepted, the Ray head is up, every node
joined. It prints the Ray head, the dashboard and how to submit a Ray job.

Only you can use the cluster: the head makes a Ray token for the job and publishes it sealed to
a key made for this job, which stays in --jobs-dir/<job> (mode 0600) with the opened token.
Providers are paid only the seconds the oracles verify; the rest is refunded when the job ends
(gpunet cancel, gpunet close).`,
		Example: `  gpunet deploy --gpus 4 --class rtx4090 --hours 2 --max-price 0.50 --oracles https://o1.example,https://o2.example
  gpunet deploy -k target/dev/renter.json --gpus 2 --class cpu --max-price 0.1 --yes   # make dev
  gpunet deploy --gpus 2 --class h100 --hours 8 --max-price 3 --region 276 --yes -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := req.parse()
			if err != nil {
				return err
			}
			urls := req.oracleURLs()
			if len(urls) == 0 {
				return fmt.Errorf("--oracles is empty: name the oracles' URLs or set GPUNET_ORACLES (make dev's are read from target/dev/network.json when run from the repository)")
			}
			key, err := chain.LoadKeypair(a.keypair)
			if err != nil {
				return fmt.Errorf("deploy: the renter is the -k/--keypair's key: %w (on make dev: -k target/dev/renter.json)", err)
			}
			q, net, config, err := a.quote(cmd, req.Request, urls)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			if !q.Enough() {
				_ = printQuote(errOut, q, token)
				return fmt.Errorf("too few devices match: nothing was sent")
			}
			var plan strings.Builder
			_ = printQuote(&plan, q, token)
			if err := confirm(cmd, yes, strings.TrimSpace(plan.String())); err != nil {
				return err
			}
			order := renter.Order{Mint: config.IosdMint, PricePerHour: q.Estimate.PricePerHour, Hours: req.Hours,
				Spec:    wire.JobSpec{Class: req.class, Count: req.Count, MinVRAM: uint64(req.MinVRAM), Region: req.Region, Hours: float64(req.Hours)},
				Oracles: urls, Dir: dir, Timeout: timeout}
			if req.Mint == scheduler.IO {
				order.Mint = config.IoMint
			}
			for _, d := range q.Devices {
				order.Devices = append(order.Devices, d.Address)
			}
			began := time.Now()
			d, err := renter.Deploy(cmd.Context(), net, key, order, func(step string) {
				fmt.Fprintf(errOut, "... %5.1fs %s\n", time.Since(began).Seconds(), step)
			})
			if err != nil {
				if d != nil {
					return fmt.Errorf("%w (job %d: `gpunet job %d` shows it, `gpunet cancel %d` refunds it)", err, d.JobID, d.JobID, d.JobID)
				}
				return err
			}
			out := Deployed{Quote: q, Deployment: d}
			return a.format.Print(cmd.OutOrStdout(), out, func(w io.Writer) error { return printDeployed(w, d) })
		},
	}
	req.bind(cmd)
	defaultDir := ".gpunet-jobs"
	if config, err := os.UserConfigDir(); err == nil {
		defaultDir = filepath.Join(config, "gpunet", "jobs")
	}
	f := cmd.Flags()
	f.BoolVar(&yes, "yes", false, "do not ask for confirmation")
	f.StringVar(&dir, "jobs-dir", defaultDir, "where each job's key and Ray token are kept (mode 0600)")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the cluster to be ready")
	return cmd
}

// devOracles are a running make dev's oracle APIs, from target/dev/network.json under the
// working directory (none when there is no such file).
func devOracles() []string {
	n, err := devnet.ReadNetwork(filepath.Join("target", "dev", "network.json"))
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range n.Services {
		if s.API != "" {
			out = append(out, s.API)
		}
	}
	return out
}

// splitURLs is the comma-separated list s, trimmed, without empty entries or trailing slashes.
func splitURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// printDeployed says where the cluster is and how to use it, the token by its file only.
func printDeployed(w io.Writer, d *renter.Deployment) error {
	_, err := fmt.Fprintf(w, `Job %d (%s) is ready: %d Ray nodes.
  Ray head     %s
  dashboard    %s
  Ray client   %s
  token file   %s

Submit a Ray job (Ray >= 2.52; the token never goes on a command line):
  RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=%s ray job submit --address %s --working-dir . -- python script.py

Follow it: gpunet job %d. End it early and get the rest back: gpunet cancel %d, then gpunet close %d.
`, d.JobID, d.Job, len(d.Devices), d.RayHead, d.Dashboard, d.Client, d.TokenFile, d.TokenFile, d.Dashboard, d.JobID, d.JobID, d.JobID)
	return err
}

package main

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/jobhealth"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/renter"
)

// renterSession is what the job commands share: the network, the escrow's Config (whose mints
// name a job's token), the -k key and the chain's clock.
type renterSession struct {
	net    *network.Network
	config *escrow.Config
	key    chain.Signer
	now    int64
}

// renterSession loads the -k key, opens the network and reads the escrow's Config and the
// chain's clock.
func (a *app) renterSession(ctx context.Context, command string) (*renterSession, error) {
	key, err := chain.LoadKeypair(a.keypair)
	if err != nil {
		return nil, fmt.Errorf("%s: the renter is the -k/--keypair's key: %w (on make dev: -k target/dev/renter.json)", command, err)
	}
	net, err := a.open(ctx, "", network.Mints{})
	if err != nil {
		return nil, err
	}
	config, err := net.Escrow.FetchConfig(ctx, net.Client)
	if err != nil {
		return nil, net.NotConfigured("escrow", err)
	}
	now, err := renter.Now(ctx, net.Client)
	if err != nil {
		return nil, err
	}
	return &renterSession{net: net, config: config, key: key, now: now}, nil
}

// token is the token a job is paid in: IO or IOSD (create_job accepts no other mint).
func (s *renterSession) token(mint solana.PublicKey) cli.Token {
	if mint == s.config.IoMint {
		return cli.IO
	}
	return cli.IOSD
}

// renterToken is the renter's associated token account of mint: where deposits come from and
// refunds go.
func renterToken(renter, mint solana.PublicKey) (solana.PublicKey, error) {
	addr, _, err := solana.FindAssociatedTokenAddress(renter, mint)
	return addr, err
}

func (a *app) jobsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "jobs",
		Short: "List your jobs: state, devices, price, paid time left, money",
		Long: `Lists the jobs of the renter whose key is -k/--keypair, found with one filtered scan of the
escrow's accounts, by job id: state, devices accepted of those booked, price per device-hour,
paid time left per device, and what was deposited, paid (to providers and in fees) and what
cancelling now would refund. --output json prints each job's full summary (as ` + "`gpunet job`" + `),
amounts in base units of the job's token.`,
		Example: `  gpunet jobs
  gpunet jobs -k target/dev/renter.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.renterSession(cmd.Context(), "jobs")
			if err != nil {
				return err
			}
			jobs, err := s.net.Escrow.JobsOf(cmd.Context(), s.net.Client, s.key.PublicKey())
			if err != nil {
				return err
			}
			summaries := make([]renter.Summary, len(jobs))
			for i, j := range jobs {
				if summaries[i], err = renter.Summarize(j, s.now); err != nil {
					return fmt.Errorf("job %s: %w", j.Address, err)
				}
			}
			return a.format.Print(cmd.OutOrStdout(), summaries, func(w io.Writer) error {
				if len(summaries) == 0 {
					_, err := fmt.Fprintf(w, "renter %s has no jobs: `gpunet deploy` books one\n", s.key.PublicKey())
					return err
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tADDRESS\tSTATE\tDEVICES\tPRICE/DEVICE-HOUR\tPAID LEFT\tDEPOSITED\tPAID\tREFUNDABLE NOW")
				for _, j := range summaries {
					t := s.token(j.Mint)
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Address, j.State, j.Accepted, j.Devices,
						t.Format(j.PricePerHour), cli.Duration(j.PaidLeftSecs), t.Format(j.Deposited), t.Format(j.PaidOut+j.Fees), t.Format(j.RefundableNow))
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) jobCommand() *cobra.Command {
	var oracles string
	cmd := &cobra.Command{
		Use:   "job ID|ADDRESS",
		Short: "Show one job: terms, devices, their health, usage, pay, refunds and the next step",
		Long: `Shows one job, by your job id (the -k/--keypair's) or by its address: its terms, each slot (a
device's place: device, state, when it joined and left, seconds verified by the oracles and
seconds paid), the usage so far, what was paid out and in fees, what cancelling now would
refund and what the end would, and the next step. The amounts come from the escrow's own
arithmetic (rounding favours the renter, as on chain).

For a running job the oracles' signed health reports say which hired devices are down (no
heartbeat, or their Ray node left the cluster) and for how long: a device a quorum of oracles
reports down is replaced by the keeper with a matching one; while none matches, the slot stays
and you pay only for the seconds the oracles verify.`,
		Example: `  gpunet job 1
  gpunet job 5Xb...Job -o json --oracles https://o1.example,https://o2.example`,
		Args: exactlyOne("job", "ID|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.renterSession(cmd.Context(), "job")
			if err != nil {
				return err
			}
			j, err := renter.Find(cmd.Context(), s.net.Client, s.net.Escrow, s.key.PublicKey(), args[0])
			if err != nil {
				return err
			}
			sum, err := renter.Summarize(j, s.now)
			if err != nil {
				return err
			}
			out := jobView{Summary: sum}
			urls := splitURLs(oracles)
			if len(urls) == 0 {
				urls = devOracles()
			}
			if j.Job.State == escrow.JobRunning && len(urls) > 0 {
				out.Health, err = health(cmd.Context(), s.net, j.Address, j.Job, urls)
				if err != nil {
					return err
				}
			}
			return a.format.Print(cmd.OutOrStdout(), out, func(w io.Writer) error { return writeJob(w, out, s.token(sum.Mint)) })
		},
	}
	cmd.Flags().StringVar(&oracles, "oracles", os.Getenv("GPUNET_ORACLES"),
		"comma-separated oracle base URLs, asked for their health reports of a running job's devices (default $GPUNET_ORACLES, else make dev's)")
	return cmd
}

// jobView is what `gpunet job` shows: the summary and, for a running job, its devices' health.
type jobView struct {
	renter.Summary
	Health *jobHealth `json:"health,omitempty"`
}

// jobHealth is the oracles' view of a running job's hired slots.
type jobHealth struct {
	Answered int          `json:"answered"` // oracles whose report checked
	Quorum   int          `json:"quorum"`
	Down     []slotHealth `json:"down"` // slots at least one oracle reports down
}

// slotHealth is a slot some oracles report down: how many, the first's reason and since when.
type slotHealth struct {
	Slot    uint8  `json:"slot"`
	Oracles int    `json:"oracles"`
	Reason  string `json:"reason"`
	Since   int64  `json:"since_ms"`
}

// health asks the oracles at urls for their reports of the running job j at addr.
func health(ctx context.Context, n *network.Network, addr solana.PublicKey, j *escrow.Job, urls []string) (*jobHealth, error) {
	rc, err := n.Registry.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, fmt.Errorf("read the registry config: %w", err)
	}
	live := protocol.LiveOracles(&rc.Params)
	reports, _ := jobhealth.Ask(ctx, &http.Client{Timeout: 5 * time.Second}, urls, addr, live, time.Now())
	out := &jobHealth{Answered: len(reports), Quorum: int(rc.Params.OracleQuorum), Down: []slotHealth{}}
	for _, f := range jobhealth.Faults(j, reports, 1) {
		out.Down = append(out.Down, slotHealth{Slot: f.Slot, Oracles: len(f.Reports), Reason: f.Reports[0].Reason, Since: f.Reports[0].Since})
	}
	return out, nil
}

// writeJob writes a job's summary for people.
func writeJob(w io.Writer, v jobView, t cli.Token) error {
	j := v.Summary
	when := func(unix int64) string {
		if unix == 0 {
			return "not yet"
		}
		return renter.When(unix)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, l := range [][2]string{
		{"job", fmt.Sprintf("%d (%s)", j.ID, j.Address)},
		{"renter", j.Renter.String()},
		{"state", j.State},
		{"price", fmt.Sprintf("%s per device-hour, fee %s", t.Format(j.PricePerHour), cli.Percent(int64(j.FeeBps)))},
		{"devices", fmt.Sprintf("%d of %d accepted", j.Accepted, j.Devices)},
		{"paid time", fmt.Sprintf("%s per device, %s left", cli.Duration(j.DurationSecs), cli.Duration(j.PaidLeftSecs))},
		{"created", when(j.CreatedAt)},
		{"started", when(j.StartedAt)},
		{"ends", when(j.EndsAt)},
		{"ended", when(j.EndedAt)},
		{"usage", fmt.Sprintf("%s verified", cli.Duration(int64(j.UsageSecs)))},
		{"deposited", t.Format(j.Deposited)},
		{"paid out", t.Format(j.PaidOut)},
		{"fees", t.Format(j.Fees)},
		{"refunded", t.Format(j.Refunded)},
		{"in escrow", t.Format(j.Held)},
		{"refundable now", t.Format(j.RefundableNow)},
		{"refundable at end", t.Format(j.RefundableAtEnd)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", l[0], l[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(j.Slots) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SLOT\tDEVICE\tSTATE\tJOINED\tLEFT\tVERIFIED\tPAID")
		for _, s := range j.Slots {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Index, s.Device, s.State, when(s.JoinedAt), when(s.LeftAt),
				cli.Duration(int64(s.VerifiedSecs)), cli.Duration(int64(s.PaidSecs)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if h := v.Health; h != nil {
		fmt.Fprintf(w, "health: %d oracles answered (a quorum is %d)\n", h.Answered, h.Quorum)
		for _, d := range h.Down {
			verdict := "the keeper replaces it with a matching device; until one matches you pay only for verified time"
			if d.Oracles < h.Quorum {
				verdict = "not a quorum yet"
			}
			fmt.Fprintf(w, "  slot %d down since %s (%s, %d of %d oracles): %s\n", d.Slot, renter.When(d.Since/1000), d.Reason, d.Oracles, h.Answered, verdict)
		}
	}
	_, err := fmt.Fprintf(w, "next: %s\n", j.Next)
	return err
}

// exactlyOne accepts one argument, named what, for command.
func exactlyOne(command, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("%s: want one %s, got %d arguments", command, what, len(args))
		}
		return nil
	}
}

// hoursToSecs parses a positive decimal number of hours that is a whole number of seconds
// ("1.5" is 5,400 s) and fits top_up's u32.
func hoursToSecs(s string) (uint32, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 {
		return 0, fmt.Errorf("--hours %q: want a positive number of hours", s)
	}
	r.Mul(r, big.NewRat(3600, 1))
	if !r.IsInt() || !r.Num().IsUint64() || r.Num().Uint64() > 1<<32-1 {
		return 0, fmt.Errorf("--hours %q: want a whole number of seconds (hours x 3600), at most 4294967295", s)
	}
	return uint32(r.Num().Uint64()), nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/candidates"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/scheduler"
)

// Quote is what `gpunet quote` prints: the scheduler's answer, its explanation, and the cost
// of the selection (nil when nothing matched).
type Quote struct {
	*scheduler.Result
	Explanation string              `json:"explanation"`
	Estimate    *scheduler.Estimate `json:"estimate"`
}

// request is the renter's request as quote and deploy take it from their flags.
type request struct {
	scheduler.Request
	class, maxPrice, mint, oracles string
	tier                           int
}

// bind defines the request's flags on f.
func (r *request) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&r.Count, "gpus", 1, "devices wanted")
	f.StringVar(&r.class, "class", "", "hardware class: cpu, rtx4090, a100-80g, h100, h200 or b200")
	f.Uint64Var(&r.Hours, "hours", 1, "hours the job runs")
	f.StringVar(&r.maxPrice, "max-price", "", "the most to pay per device-hour, in whole tokens of --mint")
	f.StringVar(&r.mint, "mint", "iosd", "the job's token: iosd or io")
	f.Uint16Var(&r.Region, "region", 0, "ISO 3166-1 numeric country code (default: any)")
	f.IntVar(&r.tier, "tier", -1, "slowest bandwidth tier taken, 0 to 3 (default: any)")
	f.Uint32Var(&r.MinVRAM, "min-vram", 0, "minimum VRAM per device in GiB")
	f.Uint16Var(&r.MinReputation, "min-reputation", 0, "minimum reputation, 0 to 10000")
	f.StringVar(&r.oracles, "oracles", os.Getenv("GPUNET_ORACLES"), "comma-separated oracle base URLs: which devices are up, and deploy's relay (default $GPUNET_ORACLES, else make dev's)")
	for _, name := range []string{"class", "max-price"} {
		if err := cmd.MarkFlagRequired(name); err != nil {
			panic(err) // the flag is defined above
		}
	}
}

// parse checks the flags and fills the scheduler's request; token is the job's.
func (r *request) parse() (token cli.Token, err error) {
	if r.Class, err = scheduler.ParseClass(r.class); err != nil {
		return token, err
	}
	if r.Mint, err = scheduler.ParseMint(r.mint); err != nil {
		return token, err
	}
	token = cli.IOSD
	if r.Mint == scheduler.IO {
		token = cli.IO
	}
	if r.MaxPrice, err = baseUnits(r.maxPrice, int(token.Decimals)); err != nil {
		return token, fmt.Errorf("--max-price: %w", err)
	}
	if r.tier >= 0 {
		if r.tier > 3 {
			return token, fmt.Errorf("--tier %d: want 0 to 3", r.tier)
		}
		r.Tier = new(uint8(r.tier))
	}
	return token, r.Validate()
}

// oracleURLs are the --oracles, or a running make dev's.
func (r *request) oracleURLs() []string {
	if urls := splitURLs(r.oracles); len(urls) > 0 {
		return urls
	}
	return devOracles()
}

// quote matches req against the cluster's devices, up ones only when oracles are named, and
// estimates the selection's cost.
func (a *app) quote(cmd *cobra.Command, req scheduler.Request, oracles []string) (*Quote, *network.Network, *escrow.Config, error) {
	net, err := a.open(cmd.Context(), "", network.Mints{})
	if err != nil {
		return nil, nil, nil, err
	}
	escrowConfig, err := net.Escrow.FetchConfig(cmd.Context(), net.Client)
	if err != nil {
		return nil, nil, nil, net.NotConfigured("escrow", err)
	}
	cands, err := candidates.Chain{Client: net.Client, Registry: net.Registry, Oracles: oracles}.Candidates(cmd.Context(), req.Class)
	if err != nil {
		return nil, nil, nil, net.NotConfigured("registry", err)
	}
	res, err := scheduler.Match(req, cands)
	if err != nil {
		return nil, nil, nil, err
	}
	q := &Quote{Result: res, Explanation: res.Explain()}
	if len(res.Devices) > 0 {
		est, err := scheduler.Cost(req.Mint, scheduler.Price(res.Devices, req.MaxPrice), len(res.Devices), req.Hours, escrowConfig.Params)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("estimate the cost: %w", err)
		}
		q.Estimate = &est
	}
	return q, net, escrowConfig, nil
}

func (a *app) quoteCommand() *cobra.Command {
	var req request
	cmd := &cobra.Command{
		Use:   "quote --gpus N --class C --hours H --max-price P",
		Short: "Show the devices a job would get, why others do not match, and what it costs",
		Long: `Matches a request against the devices registered on the cluster: ranked by asking price per
attested throughput, then reputation, in one region and bandwidth tier when one can serve the
whole request; says which constraint excluded how many devices; and estimates the cost with the
escrow's arithmetic (deposit, providers' pay, the protocol fee and its burn) at the highest ask
among the selected devices. Sends no transaction.

--max-price is per device-hour in whole tokens of --mint (iosd: 6 decimals, io: 8). --region is
an ISO 3166-1 numeric country code (276 Germany, 840 United States), --tier the slowest bandwidth
tier taken (0: 1600/1200 MB/s .. 3: 100/10).`,
		Example: `  gpunet quote --gpus 4 --class rtx4090 --hours 2 --max-price 0.50
  gpunet quote --gpus 8 --class h100 --hours 24 --max-price 3 --region 276 --tier 1 -o json
  gpunet quote --gpus 2 --class cpu --hours 1 --max-price 0.1 --mint io`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := req.parse()
			if err != nil {
				return err
			}
			q, _, _, err := a.quote(cmd, req.Request, req.oracleURLs())
			if err != nil {
				return err
			}
			return a.format.Print(cmd.OutOrStdout(), q, func(w io.Writer) error {
				if err := printQuote(w, q, token); err != nil {
					return err
				}
				_, err := fmt.Fprintln(w, "\nNo transaction sent.")
				return err
			})
		},
	}
	req.bind(cmd)
	return cmd
}

// printQuote writes q for people, amounts in token.
func printQuote(w io.Writer, q *Quote, token cli.Token) error {
	fmt.Fprintln(w, q.Explanation)
	if len(q.Devices) > 0 {
		fmt.Fprintf(w, "\n%-44s  %5s  %6s  %4s  %14s  %10s  %s\n", "DEVICE", "GROUP", "REGION", "TIER", "THROUGHPUT", "REPUTATION", "ASK/H")
		for _, d := range q.Devices {
			fmt.Fprintf(w, "%-44s  %5d  %6d  %4d  %14s  %10d  %s\n", d.Address, d.Group, d.Spec.Region, d.Spec.BandwidthTier,
				strconv.FormatUint(d.Throughput, 10), d.Reputation, token.Format(d.Ask))
		}
	}
	if e := q.Estimate; e != nil {
		fmt.Fprintf(w, "\nEstimate: %d devices x %d h at %s per device-hour, in %d escrow job(s)\n", e.Devices, e.Secs/3600,
			token.Format(e.PricePerHour), e.Jobs)
		fmt.Fprintf(w, "  deposit       %s\n  providers     %s\n  treasury fee  %s\n  burned        %s\n  refunded      %s (if every device serves every second)\n",
			token.Format(e.Deposit), token.Format(e.Payout), token.Format(e.FeeTreasury), token.Format(e.FeeBurned),
			token.Format(e.Deposit-e.Payout-e.FeeTreasury-e.FeeBurned))
	}
	if !q.Enough() {
		_, err := fmt.Fprintf(w, "\nToo few devices match: relax the constraints that exclude the most.\n")
		return err
	}
	return nil
}

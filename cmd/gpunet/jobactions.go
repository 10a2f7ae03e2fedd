package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/renter"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// sol is SOL in lamports.
var sol = cli.Token{Symbol: "SOL", Decimals: 9}

// errNotConfirmed is a confirmation answered with anything but yes.
var errNotConfirmed = errors.New("not confirmed: nothing was sent")

// confirm shows plan and asks for a yes on stdin, unless yes is set. Without a terminal on
// stdin (a script, a pipe) nobody can answer, so it refuses and names --yes.
func confirm(cmd *cobra.Command, yes bool, plan string) error {
	if yes {
		return nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return fmt.Errorf("%s asks for confirmation and stdin is not a terminal: pass --yes to go ahead without asking (%s)", cmd.CommandPath(), plan)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s\nProceed? [y/N] ", plan)
	answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errNotConfirmed
	}
	return nil
}

// mineToChange finds the job ref names and checks it is the -k key's: only the renter tops up,
// cancels (the program checks it too: NotRenter).
func mineToChange(cmd *cobra.Command, s *renterSession, ref string) (onescrow.JobAt, error) {
	j, err := renter.Find(cmd.Context(), s.net.Client, s.net.Escrow, s.key.PublicKey(), ref)
	if err != nil {
		return j, err
	}
	return j, renter.Mine(j, s.key.PublicKey())
}

// notEnded refuses a job that has ended, as the program would (InvalidJobState), saying so.
func notEnded(j onescrow.JobAt, what string) error {
	if renter.Ended(j.Job) {
		return fmt.Errorf("job %d has ended (%s) and cannot be %s (%w): `gpunet close %d` returns what it holds", j.Job.JobId,
			renter.State(j.Job), what, escrow.ErrInvalidJobState, j.Job.JobId)
	}
	return nil
}

// toppedUp is what `gpunet topup` did.
type toppedUp struct {
	Signature    solana.Signature `json:"signature"`
	ID           uint64           `json:"id"`
	Job          solana.PublicKey `json:"job"`
	ExtraSecs    uint32           `json:"extraSecs"`
	Cost         uint64           `json:"cost"`
	DurationSecs int64            `json:"durationSecs"` // per device, after the top-up
	Deposited    uint64           `json:"deposited"`    // after the top-up
}

func (a *app) topupCommand() *cobra.Command {
	var hours string
	var yes bool
	cmd := &cobra.Command{
		Use:   "topup ID|ADDRESS --hours H",
		Short: "Extend a job's paid time by H hours per device",
		Long: `Extends every device's paid time on one of your jobs by --hours and deposits what that
costs, from your associated token account of the job's token: the cost of the new duration
less that of the old (top_up). It shows the cost and asks for confirmation unless --yes. A job
whose paid time ran out, or that ended, cannot be topped up.`,
		Example: `  gpunet topup 1 --hours 2
  gpunet topup 1 --hours 0.5 --yes -o json`,
		Args: exactlyOne("topup", "ID|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if hours == "" {
				return errors.New("topup: --hours is required (the paid time to add per device, in hours)")
			}
			extra, err := hoursToSecs(hours)
			if err != nil {
				return err
			}
			s, err := a.renterSession(cmd.Context(), "topup")
			if err != nil {
				return err
			}
			j, err := mineToChange(cmd, s, args[0])
			if err != nil {
				return err
			}
			if err := notEnded(j, "topped up"); err != nil {
				return err
			}
			if j.Job.State == escrow.JobRunning && s.now >= j.Job.StartedAt+j.Job.DurationSecs {
				return fmt.Errorf("job %d's paid time ended at %s (%w): book a new job with `gpunet deploy`", j.Job.JobId,
					renter.When(j.Job.StartedAt+j.Job.DurationSecs), escrow.ErrJobTimeUp)
			}
			cost, err := protocol.TopUpCost(j.Job, extra)
			if err != nil {
				return err
			}
			t := s.token(j.Job.Mint)
			from, err := renterToken(j.Job.Renter, j.Job.Mint)
			if err != nil {
				return err
			}
			if balance, err := renter.ReadTokenAccount(cmd.Context(), s.net.Client, from); err != nil {
				return fmt.Errorf("topup: your %s account: %w", t.Symbol, err)
			} else if balance.Amount < cost {
				return fmt.Errorf("topup: it costs %s and your account %s holds %s (%w)", t.Format(cost), from, t.Format(balance.Amount), escrow.ErrInsufficientFunds)
			}
			plan := fmt.Sprintf("top up job %d by %s per device (%d devices): %s from %s", j.Job.JobId, cli.Duration(int64(extra)),
				j.Job.DeviceCount, t.Format(cost), from)
			if err := confirm(cmd, yes, plan); err != nil {
				return err
			}
			ix, err := s.net.Escrow.TopUp(s.key.PublicKey(), j.Address, from, extra)
			if err != nil {
				return err
			}
			sig, err := s.net.Client.Send(cmd.Context(), []solana.Instruction{ix}, s.key)
			if err != nil {
				return fmt.Errorf("topup: %w", err)
			}
			after, err := s.net.Escrow.FetchJob(cmd.Context(), s.net.Client, j.Address)
			if err != nil {
				return err
			}
			res := toppedUp{Signature: sig, ID: j.Job.JobId, Job: j.Address, ExtraSecs: extra, Cost: cost,
				DurationSecs: after.DurationSecs, Deposited: after.Deposited}
			return a.format.Print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "topped up job %d by %s per device for %s: paid time %s per device, %s deposited\nsignature %s\n",
					res.ID, cli.Duration(int64(extra)), t.Format(cost), cli.Duration(res.DurationSecs), t.Format(res.Deposited), sig)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&hours, "hours", "", "paid time to add per device, in hours (1.5 = 1h 30m)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// cancelled is what `gpunet cancel` did.
type cancelled struct {
	Signature solana.Signature `json:"signature"`
	ID        uint64           `json:"id"`
	Job       solana.PublicKey `json:"job"`
	Refunded  uint64           `json:"refunded"` // by this cancel
	Held      uint64           `json:"held"`     // kept for the devices' time so far, until close
	Next      string           `json:"next"`
}

func (a *app) cancelCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "cancel ID|ADDRESS",
		Short: "Stop one of your jobs now and take back what its devices have not earned",
		Long: `Ends one of your jobs now (cancel_job): every device leaves and is released, what their time
so far may still earn stays in escrow until the oracles attested it, and the rest is refunded
to your associated token account at once. The rest comes back at ` + "`gpunet close`" + `. It shows the
refund and asks for confirmation unless --yes.`,
		Example: `  gpunet cancel 1
  gpunet cancel 1 --yes -o json`,
		Args: exactlyOne("cancel", "ID|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.renterSession(cmd.Context(), "cancel")
			if err != nil {
				return err
			}
			j, err := mineToChange(cmd, s, args[0])
			if err != nil {
				return err
			}
			if err := notEnded(j, "cancelled"); err != nil {
				return err
			}
			sum, err := renter.Summarize(j, s.now)
			if err != nil {
				return err
			}
			t := s.token(j.Job.Mint)
			to, err := renterToken(j.Job.Renter, j.Job.Mint)
			if err != nil {
				return err
			}
			plan := fmt.Sprintf("cancel job %d (%s, %d of %d devices hired): refunds about %s now to %s, keeps %s for the devices' time so far",
				sum.ID, sum.State, sum.Accepted, sum.Devices, t.Format(sum.RefundableNow), to, t.Format(sum.Held-sum.RefundableNow))
			if err := confirm(cmd, yes, plan); err != nil {
				return err
			}
			ix, err := s.net.Escrow.CancelJob(s.key.PublicKey(), j.Address, to, onescrow.HiredDevices(j.Job))
			if err != nil {
				return err
			}
			sig, err := s.net.Client.Send(cmd.Context(), []solana.Instruction{ix}, s.key)
			if err != nil {
				return fmt.Errorf("cancel: %w", err)
			}
			after, err := s.net.Escrow.FetchJob(cmd.Context(), s.net.Client, j.Address)
			if err != nil {
				return err
			}
			now, err := renter.Now(cmd.Context(), s.net.Client)
			if err != nil {
				return err
			}
			ended, err := renter.Summarize(onescrow.JobAt{Address: j.Address, Job: after}, now)
			if err != nil {
				return err
			}
			res := cancelled{Signature: sig, ID: ended.ID, Job: j.Address, Refunded: after.Refunded - j.Job.Refunded, Held: ended.Held, Next: ended.Next}
			return a.format.Print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "cancelled job %d: refunded %s, %s kept for the devices' time so far\nnext: %s\nsignature %s\n",
					res.ID, t.Format(res.Refunded), t.Format(res.Held), res.Next, sig)
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// closed is what `gpunet close` did.
type closed struct {
	Signature solana.Signature `json:"signature"`
	ID        uint64           `json:"id"`
	Job       solana.PublicKey `json:"job"`
	Returned  uint64           `json:"returned"` // the vault's balance, to the renter's token account
	Rent      uint64           `json:"rent"`     // lamports of the job and its vault, to the renter
}

func (a *app) closeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "close ID|ADDRESS",
		Short: "Close an ended job: its escrow's balance and rent go back to the renter",
		Long: `Closes an ended job (close_job): what its escrow still holds goes to the renter's associated
token account, and the rent of the job and its escrow account to the renter's wallet. It waits
for nothing: while the oracles may still attest usage (UsageNotFinal) or a device's verified
time is unpaid (UnsettledUsage), it refuses and says why and until when. Anyone may close a
job (the -k key pays the fee); the money always goes to its renter.`,
		Example: `  gpunet close 1
  gpunet close 5Xb...Job -o json`,
		Args: exactlyOne("close", "ID|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.renterSession(cmd.Context(), "close")
			if err != nil {
				return err
			}
			j, err := renter.Find(cmd.Context(), s.net.Client, s.net.Escrow, s.key.PublicKey(), args[0])
			if err != nil {
				return err
			}
			if err := renter.CheckClose(j.Job, s.now); err != nil {
				return err
			}
			to, err := renterToken(j.Job.Renter, j.Job.Mint)
			if err != nil {
				return err
			}
			vault, err := renter.ReadTokenAccount(cmd.Context(), s.net.Client, j.Job.Vault)
			if err != nil {
				return err
			}
			job, err := s.net.Client.Account(cmd.Context(), j.Address)
			if err != nil {
				return err
			}
			ix, err := s.net.Escrow.CloseJob(j.Address, j.Job.Renter, to, j.Job.Cluster)
			if err != nil {
				return err
			}
			sig, err := s.net.Client.Send(cmd.Context(), []solana.Instruction{ix}, s.key)
			if err != nil {
				return fmt.Errorf("close: %w", err)
			}
			t := s.token(j.Job.Mint)
			res := closed{Signature: sig, ID: j.Job.JobId, Job: j.Address, Returned: vault.Amount, Rent: vault.Lamports + job.Lamports}
			return a.format.Print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "closed job %d: %s back to %s, %s of rent to %s\nsignature %s\n",
					res.ID, t.Format(res.Returned), to, sol.Format(res.Rent), j.Job.Renter, sig)
				return err
			})
		},
	}
}

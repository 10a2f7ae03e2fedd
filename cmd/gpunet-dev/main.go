// Command gpunet-dev is make dev's supervisor (internal/devnet): `up` starts the dev
// network in the foreground, `down` stops it from another terminal, `reset` also deletes
// the chain, `status` shows what runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gpunet/gpunet/internal/devnet"
	"github.com/gpunet/gpunet/internal/localnet"
)

const usage = `usage: gpunet-dev <command> [flags]   (run from the repository; make dev, make down, make reset)

commands:
  up       start the dev network in the foreground: build, localnet, programs configured,
           PostgreSQL, the daemons; writes target/dev/network.json; Ctrl-C stops
           everything and exits 0
  down     stop the running up (SIGTERM) and wait until it has stopped
  reset    down, then delete the chain state (target/localnet/state) and PostgreSQL's
           data (target/dev/postgres); logs and the workers' keys are kept
  status   show what the running up serves
`

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gpunet-dev:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(out, usage)
		return nil
	}
	fs := flag.NewFlagSet("gpunet-dev "+args[0], flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage, "\nflags of ", args[0], ":\n"); fs.PrintDefaults() }
	build := fs.String("build", "", "up: the build phase's command (make dev passes `make build`); empty: no build phase")
	verbose := fs.Bool("verbose", false, "up: show the build's output (make dev V=1)")
	check := fs.Bool("check", false, "up: only check that no other up runs, start nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", args[0], fs.Args())
	}
	root, err := localnet.RepoRoot()
	if err != nil {
		return err
	}
	cfg := devnet.DefaultConfig(root, out)
	cfg.Build, cfg.Verbose = strings.Fields(*build), *verbose
	ctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	switch args[0] {
	case "up":
		if *check {
			return devnet.Check(cfg)
		}
		defer devnet.TakeTerminal()()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		return devnet.Up(ctx, cfg)
	case "down":
		report, err := devnet.Down(ctx, cfg)
		if errors.Is(err, devnet.ErrNotRunning) {
			report, err = "nothing to stop: "+err.Error(), nil
		}
		if err == nil {
			fmt.Fprintln(out, report)
		}
		return err
	case "reset":
		report, err := devnet.Reset(ctx, cfg)
		fmt.Fprintln(out, strings.Join(report, "\n"))
		return err
	case "status":
		n, err := devnet.Status(cfg)
		if err == nil {
			n.PrintTable(out, cfg)
		}
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

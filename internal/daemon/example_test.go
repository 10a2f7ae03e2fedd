package daemon_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/prometheus/client_golang/prometheus"
)

type oracleConfig struct {
	daemon.Base
	RPC      string `key:"rpc" usage:"Solana RPC URL"`
	Password string `key:"db-password" usage:"PostgreSQL password" secret:"true"`
}

// A daemon's whole start-up: config, logger, metrics, health and graceful shutdown.
// A real main passes os.Args[1:] and os.Stderr, and runs until SIGINT or SIGTERM.
func Example() {
	cfg := oracleConfig{Base: daemon.DefaultBase(), RPC: "http://127.0.0.1:8899"}
	d, err := daemon.New("oracle", []string{"-listen", "127.0.0.1:0", "-rpc", "http://127.0.0.1:8999"}, &cfg, io.Discard)
	if err != nil {
		fmt.Println(err)
		return
	}
	served := d.Metrics.NewCounter(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "requests_total", Help: "Requests served."})
	ctx, shutdown := context.WithCancel(context.Background())
	err = d.Run(ctx, func(ctx context.Context) error {
		served.Inc() // the daemon's work, until ctx is done
		resp, err := http.Get("http://" + d.Addr().String() + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		fmt.Println("rpc:", cfg.RPC, "healthz:", resp.StatusCode)
		shutdown() // what SIGTERM does
		<-ctx.Done()
		return ctx.Err()
	})
	fmt.Println("run:", err)
	// Output:
	// rpc: http://127.0.0.1:8999 healthz: 200
	// run: <nil>
}

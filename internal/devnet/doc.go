// Package devnet is the supervisor behind make dev: it holds one lock per checkout
// (target/dev/lock), runs the start-up phases with progress (build, start the localnet,
// configure the programs, start PostgreSQL, start the daemons of DevDaemons), writes
// target/dev/network.json and a table of every service and DEV-ONLY key file, keeps each start's logs in target/dev/logs/<UTC time>/<service>.log
// (target/dev/logs/latest points at the newest), and on SIGINT or SIGTERM stops everything
// it started. Down, Reset and Status act on a running supervisor from another process.
//
// It composes the harnesses, one per concern: the chain from internal/localnet, its
// configuration from internal/localdev through the composition root internal/network,
// PostgreSQL from internal/pg; the daemons are processes (Daemon) ready once /healthz
// answers. A service that exits on its own stops make dev with the end of its log.
package devnet

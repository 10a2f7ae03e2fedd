#!/usr/bin/env bash
# `make dev`: the whole network on embedded defaults. Starts the localnet (state kept in
# target/localnet/state across restarts) with every program in target/deploy deployed,
# configures it with the DEV-ONLY keys, prints what runs where, and stays in the foreground
# until Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

state=target/localnet/state
keys=target/localnet/keys
log=target/localnet/localnet.log
mkdir -p target/localnet

go build -o target/bin/gpunet ./cmd/gpunet

node localnet/dist/main.js --state "$state" --keys-dir "$keys" >"$log" 2>&1 &
localnet=$!
# TERM, not INT: a non-interactive shell starts background jobs with SIGINT ignored.
trap 'kill -TERM $localnet 2>/dev/null; wait $localnet 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 300); do
  grep -q "localnet ready" "$log" 2>/dev/null && break
  kill -0 $localnet 2>/dev/null || { cat "$log" >&2; echo "dev: the localnet exited" >&2; exit 1; }
  sleep 0.1
done
grep -q "localnet ready" "$log" || { cat "$log" >&2; echo "dev: the localnet did not start" >&2; exit 1; }

target/bin/gpunet localnet-init --keys "$keys"

cat <<INFO

gpunet is up (DEV-ONLY keys: never use them on a real cluster)
  JSON-RPC   http://127.0.0.1:8899
  PubSub     ws://127.0.0.1:8900
  keys       $keys  (provider wallet: $keys/wallet.json)
  chain log  $log
  programs   $(sed -n '/^\[programs.localnet\]/,/^\[/p' Anchor.toml | grep '=' | tr -d '"' | paste -sd' ')
  configs    target/bin/gpunet registry-config | escrow-config | economy-config
Try: curl -s http://127.0.0.1:8899 -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getVersion"}'
Ctrl-C stops the network.
INFO
wait $localnet

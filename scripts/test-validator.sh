#!/usr/bin/env bash
# `make test-validator`: the end-to-end flow on Agave's own solana-test-validator 4.2.0
# (internal/validatortest). Verifies the archive in TOOLS_DIR (default ../shared/tools) against
# its SHA256SUMS, unpacks it to target/tools, checks the binary's sum too, and runs the flow.
# Without the archive the step is skipped with a loud notice, except under CI (CI set, as
# .ci/run does), where a missing or corrupt tool fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=${TOOLS_DIR:-../shared/tools}
archive=solana-test-validator-4.2.0.xz
bin=target/tools/solana-test-validator

if [[ ! -f "$tools/$archive" || ! -f "$tools/SHA256SUMS" ]]; then
  if [[ -n "${CI:-}" ]]; then
    echo "test-validator: $tools/$archive or its SHA256SUMS is missing, and CI requires this step" >&2
    exit 1
  fi
  cat >&2 <<NOTE

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! test-validator SKIPPED: no $tools/$archive (or SHA256SUMS).
!! The end-to-end flow on the real solana-test-validator did NOT run.
!! Set TOOLS_DIR to the directory holding them (see its README) to run it.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

NOTE
  exit 0
fi

sum_of() { awk -v f="$1" '$2 == f { print $1 }' "$tools/SHA256SUMS"; }
want_archive=$(sum_of "$archive")
want_bin=$(sum_of solana-test-validator)
[[ -n "$want_archive" && -n "$want_bin" ]] || { echo "test-validator: $tools/SHA256SUMS lacks a sum" >&2; exit 1; }
got=$(sha256sum "$tools/$archive" | cut -d' ' -f1)
[[ "$got" == "$want_archive" ]] || { echo "test-validator: $tools/$archive: sha256 $got, expected $want_archive" >&2; exit 1; }

if [[ ! -x "$bin" || "$(sha256sum "$bin" | cut -d' ' -f1)" != "$want_bin" ]]; then
  mkdir -p target/tools
  xz -dc "$tools/$archive" > "$bin.tmp"
  got=$(sha256sum "$bin.tmp" | cut -d' ' -f1)
  [[ "$got" == "$want_bin" ]] || { rm -f "$bin.tmp"; echo "test-validator: unpacked binary: sha256 $got, expected $want_bin" >&2; exit 1; }
  chmod +x "$bin.tmp" && mv "$bin.tmp" "$bin"
fi
echo "test-validator: $("$bin" --version)"

GPUNET_TEST_VALIDATOR=$PWD/$bin ${GO:-go} test -count=1 -v -run '^TestFlow$' ./internal/validatortest/

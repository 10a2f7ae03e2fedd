#!/usr/bin/env bash
# Installs what building and testing gpunet needs, skipping what is already there:
# clang-19 (Debian) for the on-chain C and fuzzing, the npm packages of the localnet, the
# TypeScript client (client/ts) and the linker's deploy test, the Go modules, and the
# proof-of-compute helper's Python venv (target/venv/gpuhelper: numpy, no torch) and the
# job nodes' Ray venv (target/venv/ray).
# Used by `make deps` (and so by `make dev`, `make test` and CI).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v clang-19 >/dev/null || missing+=(clang-19)
command -v readelf >/dev/null || missing+=(binutils)
# libFuzzer and the sanitizer runtimes for `make fuzz`
[ -e /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ] || missing+=(libclang-rt-19-dev)
command -v make >/dev/null || missing+=(make)
command -v cc >/dev/null || missing+=(gcc)
command -v xz >/dev/null || missing+=(xz-utils) # unpacks solana-test-validator (make test-validator)
command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql) # the private PostgreSQL of tests and make dev (internal/pg)
command -v bwrap >/dev/null || missing+=(bubblewrap) # the sandbox of every job's Ray node (worker/ray)
command -v setpriv >/dev/null || missing+=(util-linux) # drops the Ray node to its unprivileged uid inside the sandbox
command -v nsenter >/dev/null || missing+=(util-linux) # runs the end-to-end test's hosts' programs in their network namespaces
command -v ip >/dev/null || missing+=(iproute2)        # makes those namespaces (internal/harness.LAN)
[ -x /usr/bin/chromium ] || missing+=(chromium) # the web app's browser test (make test-web: playwright-core drives Debian's Chromium, never a downloaded one)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv) # the venvs of the proof-of-compute helper (worker/gpuhelper) and Ray (worker/ray)
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "install-deps: Go >= 1.26 is required (https://go.dev/dl)" >&2; exit 1; }
command -v node >/dev/null || { echo "install-deps: Node.js 20 is required" >&2; exit 1; }

for dir in localnet client/ts internal/sbpf/testdata/deploy; do
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
done
go mod download
scripts/venv.sh target/venv/gpuhelper worker/gpuhelper/requirements.txt
scripts/venv.sh target/venv/ray worker/ray/requirements.txt

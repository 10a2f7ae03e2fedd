#!/usr/bin/env bash
# Makes a pinned Python virtual environment at VENV from REQUIREMENTS, again only when the
# requirements*.txt files next to REQUIREMENTS change (one of them may include another).
# The venvs: target/venv/gpuhelper (worker/gpuhelper/requirements.txt, the proof-of-compute
# helper), target/venv/gpuhelper-cuda (its -gpu.txt, scripts/gpu-check.sh) and target/venv/ray
# (worker/ray/requirements.txt, the job's Ray nodes). Used by install-deps.sh, the tests that
# need a venv (when it is missing) and gpu-check.sh.
# Usage: scripts/venv.sh VENV REQUIREMENTS
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
req=$2
stamp=$venv/.requirements
if [ -x "$venv/bin/python" ] && cat "$(dirname "$req")"/requirements*.txt | cmp -s - "$stamp"; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
cat "$(dirname "$req")"/requirements*.txt >"$stamp"

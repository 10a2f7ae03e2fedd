#!/usr/bin/env bash
# Makes the proof-of-compute helper's virtual environment (worker/gpuhelper) at VENV from
# REQUIREMENTS, again only when worker/gpuhelper/requirements*.txt change. Used by
# install-deps.sh, the helper's tests (when the venv is missing) and gpu-check.sh.
# Usage: scripts/gpuhelper-venv.sh [VENV [REQUIREMENTS]]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/venv/gpuhelper}
req=${2:-worker/gpuhelper/requirements.txt}
stamp=$venv/.requirements
if [ -x "$venv/bin/python" ] && cat worker/gpuhelper/requirements*.txt | cmp -s - "$stamp"; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
cat worker/gpuhelper/requirements*.txt >"$stamp"

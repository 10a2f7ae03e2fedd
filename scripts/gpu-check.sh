#!/usr/bin/env bash
# The GPU checks, for a host with an NVIDIA GPU and driver (none in CI): NVML's inventory,
# the CUDA helper venv (torch), the helper's equality with poc.CPU and its benchmark on CUDA
# at n = 1,024 and 4,096. About 5 minutes, most of it pip installing torch.
set -euo pipefail
cd "$(dirname "$0")/.."
set -x
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
CGO_ENABLED=1 go build -o target/bin/ ./cmd/gpunet-worker
CGO_ENABLED=1 GPUNET_REAL_NVML=1 go test -count=1 -v -run TestRealHost ./worker/nvml/
scripts/venv.sh target/venv/gpuhelper-cuda worker/gpuhelper/requirements-gpu.txt
export GPUNET_GPU_HELPER="$PWD/target/venv/gpuhelper-cuda/bin/python $PWD/worker/gpuhelper/gpunet_poc.py --device cuda"
go test -count=1 -v -run 'TestEqualsCPU|TestChallengeRoundTrip' ./worker/gpuhelper/
go test -count=1 -run '^$' -bench . ./worker/gpuhelper/

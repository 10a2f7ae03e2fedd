// Package worker is gpunet-worker, the daemon on a provider's host: init writes the device key
// and a commented config, register registers and stakes the device (owner wallet and device key
// both sign; the wallet may sign offline on a durable nonce), run heartbeats to the registry's
// oracles, and status says why the device is or is not hireable. Hardware detection is in
// worker/gpu (NVML in worker/nvml, the only cgo), heartbeats in worker/heartbeat, the
// proof-of-compute challenges in worker/challenge, their multiply on a GPU (a Python helper,
// config gpu-helper) in worker/gpuhelper.
package worker

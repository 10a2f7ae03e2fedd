// Package gpu is what the worker knows about its host's hardware: a Detector (NVML in
// worker/nvml, a mock in tests) and a Monitor that re-detects periodically and turns a GPU
// that vanished or turned unhealthy into a Problem, so it is reported and never silently kept.
// It maps what it found to the registry's hardware model and device spec. No cgo here.
package gpu

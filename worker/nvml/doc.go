// Package nvml is the worker's one cgo package: GPU detection through NVIDIA's NVML
// (github.com/NVIDIA/go-nvml). go-nvml crashes on any call after a failed Init, so every call
// here happens only after Init succeeded; a build without cgo (CGO_ENABLED=0) has a Detector
// that reports "no NVML in this build", so the rest of the worker builds and runs as a
// CPU-class device.
package nvml

// Package sbpf links BPF relocatable objects produced by clang
// (-target bpfel -mcpu=v2) into a Solana sBPF shared object.
//
// Upstream ld.lld cannot link BPF, and Solana's own toolchain is not
// available here, so this package does the job with debug/elf only. It
// emits SBPFv3 by default (static syscalls, the strict two-PT_LOAD layout,
// e_flags 3) and SBPFv0 (the ET_DYN layout with .dynamic, .dynsym and
// .rel.dyn) for runtimes that predate SIMD-0500.
//
// The v3 loader checks no call before it runs, so Link verifies every call
// itself: each syscall must be a name Agave registers, and each internal
// call and function pointer must land on an instruction inside text.
package sbpf

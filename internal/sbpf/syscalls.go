package sbpf

import "sort"

// agaveSyscalls mirrors the names registered by
// create_program_runtime_environment_v1 in anza-xyz/agave
// syscalls/src/lib.rs (master, 4.4.0-alpha line, commit 0049c372).
// Feature-gated names are included when their feature is active on
// clusters or pending activation. Two registered names are left out on
// purpose because current clusters no longer accept them:
//   - sol_get_fees_sysvar: unregistered once disable_fees_sysvar is active;
//   - sol_alloc_free_: rejected at deployment (disable_deploy_of_alloc_free_syscall).
var agaveSyscalls = []string{
	"abort",
	"sol_alt_bn128_compression",
	"sol_alt_bn128_group_op",
	"sol_big_mod_exp",
	"sol_blake3",
	"sol_create_program_address",
	"sol_curve_decompress",
	"sol_curve_group_op",
	"sol_curve_multiscalar_mul",
	"sol_curve_pairing_map",
	"sol_curve_validate_point",
	"sol_get_clock_sysvar",
	"sol_get_epoch_rewards_sysvar",
	"sol_get_epoch_schedule_sysvar",
	"sol_get_epoch_stake",
	"sol_get_last_restart_slot",
	"sol_get_processed_sibling_instruction",
	"sol_get_rent_sysvar",
	"sol_get_return_data",
	"sol_get_stack_height",
	"sol_get_sysvar",
	"sol_invoke_signed_c",
	"sol_invoke_signed_rust",
	"sol_keccak256",
	"sol_log_",
	"sol_log_64_",
	"sol_log_compute_units_",
	"sol_log_data",
	"sol_log_pubkey",
	"sol_memcmp_",
	"sol_memcpy_",
	"sol_memmove_",
	"sol_memset_",
	"sol_panic_",
	"sol_poseidon",
	"sol_remaining_compute_units",
	"sol_secp256k1_recover",
	"sol_set_return_data",
	"sol_sha256",
	"sol_try_find_program_address",
}

var syscallByHash = func() map[uint32]string {
	m := make(map[uint32]string, len(agaveSyscalls))
	for _, name := range agaveSyscalls {
		m[SyscallHash(name)] = name
	}
	return m
}()

// Syscalls returns the syscall names Link accepts, sorted.
func Syscalls() []string {
	out := append([]string(nil), agaveSyscalls...)
	sort.Strings(out)
	return out
}

// IsSyscall reports whether name is a syscall Link accepts.
func IsSyscall(name string) bool {
	h, ok := syscallByHash[SyscallHash(name)]
	return ok && h == name
}

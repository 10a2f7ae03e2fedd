package sbpf

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSyscallHash(t *testing.T) {
	tests := []struct {
		name string
		want uint32
	}{
		{"sol_log_", 0x207559bd},
		{"sol_invoke_signed_c", 0xa22b9c85},
		{"abort", 0xb6fc1a11},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, SyscallHash(tt.name))
		})
	}
}

func TestIsSyscall(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"sol_log_", true},
		{"sol_invoke_signed_c", true},
		{"sol_get_epoch_stake", true},
		{"abort", true},
		{"sol_get_fees_sysvar", false}, // unregistered since disable_fees_sysvar
		{"sol_alloc_free_", false},     // rejected at deployment
		{"sol_log", false},
		{"memcpy", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, IsSyscall(tt.name))
		})
	}
	require.Len(t, Syscalls(), 40)
}

package chaintest

import "github.com/gagliardetto/solana-go"

// The negative tests' tampering: copies of an instruction with one thing changed. They copy
// the account metas because solana-go's NewTransaction marks the fee payer's meta signer and
// writable in the instruction itself, which would change an instruction sent again with
// another payer.

// Tampered copies ix with its account metas (a copy) edited by edit.
func Tampered(ix solana.Instruction, edit func([]*solana.AccountMeta) []*solana.AccountMeta) solana.Instruction {
	metas := make([]*solana.AccountMeta, len(ix.Accounts()))
	for j, m := range ix.Accounts() {
		c := *m
		metas[j] = &c
	}
	data, err := ix.Data()
	if err != nil {
		panic(err)
	}
	return solana.NewInstruction(ix.ProgramID(), edit(metas), data)
}

// Copy is an unchanged copy of ix.
func Copy(ix solana.Instruction) solana.Instruction {
	return Tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { return m })
}

// Unsigned copies ix with account i no longer a signer.
func Unsigned(ix solana.Instruction, i int) solana.Instruction {
	return Tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { m[i].IsSigner = false; return m })
}

// ReadOnly copies ix with account i no longer writable.
func ReadOnly(ix solana.Instruction, i int) solana.Instruction {
	return Tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { m[i].IsWritable = false; return m })
}

// WithAccount copies ix with account i replaced by key (same flags).
func WithAccount(ix solana.Instruction, i int, key solana.PublicKey) solana.Instruction {
	return Tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { m[i].PublicKey = key; return m })
}

// Truncated copies ix with only its first n accounts.
func Truncated(ix solana.Instruction, n int) solana.Instruction {
	return Tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { return m[:n] })
}

// WithData copies ix with other instruction data.
func WithData(ix solana.Instruction, data []byte) solana.Instruction {
	return solana.NewInstruction(ix.ProgramID(), Copy(ix).Accounts(), data)
}

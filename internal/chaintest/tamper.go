package chaintest

import "github.com/gagliardetto/solana-go"

// The negative tests' tampering: copies of an instruction with one account changed.

func tampered(ix solana.Instruction, change func([]*solana.AccountMeta) []*solana.AccountMeta) solana.Instruction {
	metas := make([]*solana.AccountMeta, len(ix.Accounts()))
	for j, m := range ix.Accounts() {
		c := *m
		metas[j] = &c
	}
	data, err := ix.Data()
	if err != nil {
		panic(err)
	}
	return solana.NewInstruction(ix.ProgramID(), change(metas), data)
}

// WithFlags copies ix with account i's signer and writable flags set as given.
func WithFlags(ix solana.Instruction, i int, signer, writable bool) solana.Instruction {
	return tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta {
		m[i].IsSigner, m[i].IsWritable = signer, writable
		return m
	})
}

// WithAccount copies ix with account i replaced by key (same flags).
func WithAccount(ix solana.Instruction, i int, key solana.PublicKey) solana.Instruction {
	return tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta {
		m[i].PublicKey = key
		return m
	})
}

// Truncated copies ix with only its first n accounts.
func Truncated(ix solana.Instruction, n int) solana.Instruction {
	return tampered(ix, func(m []*solana.AccountMeta) []*solana.AccountMeta { return m[:n] })
}

package economy_test

import bin "github.com/gagliardetto/binary"

func newDecoder(data []byte) *bin.Decoder { return bin.NewBinDecoder(data) }

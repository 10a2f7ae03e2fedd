package localnet

import (
	"encoding/base64"
	"strconv"

	bin "github.com/gagliardetto/binary"
)

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func binDecoder(b []byte) *bin.Decoder { return bin.NewBinDecoder(b) }

package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// cursorSigner makes and reads the opaque pagination cursors: the sort key of the last item of
// a page, as JSON, signed (HMAC-SHA256, 16 bytes) together with the route and the list's
// sort, so a cursor is taken only by the list that made it and cannot be forged or edited.
type cursorSigner struct{ key []byte }

func (s cursorSigner) mac(scope string, payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)[:16]
}

// make is the cursor after key in scope.
func (s cursorSigner) make(scope string, key []string) string {
	payload, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(scope, payload))
}

// read is the key of cursor in scope, with exactly n parts; false when cursor is not one this
// server made for scope.
func (s cursorSigner) read(scope, cursor string, n int) ([]string, bool) {
	p, m, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, false
	}
	sum, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || !hmac.Equal(sum, s.mac(scope, payload)) {
		return nil, false
	}
	var key []string
	if json.Unmarshal(payload, &key) != nil || len(key) != n {
		return nil, false
	}
	return key, true
}

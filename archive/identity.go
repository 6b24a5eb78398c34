package archive

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// MaxIdentifierLen bounds a host site's identifier, in bytes.
const MaxIdentifierLen = 255

// SignIdentity is what a host site's server computes for a logged-in
// customer: hex HMAC-SHA256 of the identifier under GRIDLINE_IDENTITY_SECRET.
// Gridline itself uses it only to check.
func SignIdentity(secret []byte, identifier string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(identifier))
	return hex.EncodeToString(mac.Sum(nil))
}

// CheckIdentity verifies a host-signed identifier. It returns EINVALID for an
// identifier that is no identifier (empty, too long, control characters) and
// EUNAUTHORIZED for a hash that is missing, not 64 hex digits, or not this
// identifier's — including a hash valid for another identifier — and when
// there is no secret to check with. The comparison takes the same time however
// much of the hash is right.
func CheckIdentity(secret []byte, identifier, hash string) error {
	if err := checkIdentifier(identifier); err != nil {
		return err
	}
	refused := gridline.Errorf(gridline.EUNAUTHORIZED, "the identity is not signed by the site")
	if len(secret) == 0 {
		return refused
	}
	got, err := hex.DecodeString(strings.ToLower(hash))
	if err != nil || len(got) != sha256.Size {
		return refused
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(identifier))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return refused
	}
	return nil
}

// checkIdentifier accepts 1 to MaxIdentifierLen bytes of printable UTF-8.
func checkIdentifier(id string) error {
	bad := gridline.Errorf(gridline.EINVALID, "an identifier is 1 to %d bytes of printable text", MaxIdentifierLen)
	if id == "" || len(id) > MaxIdentifierLen || !utf8.ValidString(id) {
		return bad
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return bad
		}
	}
	return nil
}

package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// VisitorTTL is how long a widget's visitor token stays valid. A month lets a
// customer come back to the same conversation after closing the laptop for days.
const VisitorTTL = 30 * 24 * time.Hour

// visitorClaims is what a visitor token proves: which customer, which conversation,
// until when.
type visitorClaims struct {
	CustomerID     string
	ConversationID string
	Expires        time.Time
}

// signVisitor returns "v1.<customer>.<conversation>.<unix expiry>.<hmac>" in
// base64url, signed with the server secret.
func signVisitor(secret []byte, c visitorClaims) string {
	payload := "v1." + c.CustomerID + "." + c.ConversationID + "." + strconv.FormatInt(c.Expires.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + mac(secret, payload)
}

// verifyVisitor checks the signature and expiry of a visitor token. Every failure
// is EUNAUTHORIZED with no detail about which check failed.
func verifyVisitor(secret []byte, token string, now time.Time) (visitorClaims, error) {
	bad := gridline.Errorf(gridline.EUNAUTHORIZED, "visitor token is invalid or expired")
	enc, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return visitorClaims{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return visitorClaims{}, bad
	}
	payload := string(raw)
	if !hmac.Equal([]byte(sig), []byte(mac(secret, payload))) {
		return visitorClaims{}, bad
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return visitorClaims{}, bad
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return visitorClaims{}, bad
	}
	return visitorClaims{CustomerID: parts[1], ConversationID: parts[2], Expires: time.Unix(exp, 0)}, nil
}

func mac(secret []byte, payload string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

package archive

import (
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

var testSecret = []byte("identity-test-secret")

func TestCheckIdentity(t *testing.T) {
	good := SignIdentity(testSecret, "user-42")
	for _, tc := range []struct {
		name, identifier, hash string
		secret                 []byte
		code                   string
	}{
		{"good", "user-42", good, testSecret, ""},
		{"good, upper-case hex", "user-42", strings.ToUpper(good), testSecret, ""},
		{"wrong hash", "user-42", strings.Repeat("0", 64), testSecret, gridline.EUNAUTHORIZED},
		{"one digit off", "user-42", good[:63] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[63])+1)%16]), testSecret, gridline.EUNAUTHORIZED},
		{"missing hash", "user-42", "", testSecret, gridline.EUNAUTHORIZED},
		{"replayed on another identifier", "user-43", good, testSecret, gridline.EUNAUTHORIZED},
		{"signed with another secret", "user-42", SignIdentity([]byte("other"), "user-42"), testSecret, gridline.EUNAUTHORIZED},
		{"no secret configured", "user-42", good, nil, gridline.EUNAUTHORIZED},
		{"not hex", "user-42", strings.Repeat("z", 64), testSecret, gridline.EUNAUTHORIZED},
		{"truncated", "user-42", good[:32], testSecret, gridline.EUNAUTHORIZED},
		{"empty identifier", "", SignIdentity(testSecret, ""), testSecret, gridline.EINVALID},
		{"control characters", "user\n42", SignIdentity(testSecret, "user\n42"), testSecret, gridline.EINVALID},
		{"too long", strings.Repeat("a", 256), SignIdentity(testSecret, strings.Repeat("a", 256)), testSecret, gridline.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gridline.ErrorCode(CheckIdentity(tc.secret, tc.identifier, tc.hash)); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
}

// FuzzCheckIdentity: whatever a page sends, checking never panics, and only
// the identifier's own signature passes.
func FuzzCheckIdentity(f *testing.F) {
	f.Add("user-42", SignIdentity(testSecret, "user-42"))
	f.Add("user-42", "")
	f.Add("", "00")
	f.Add("客户-7", SignIdentity(testSecret, "客户-7"))
	f.Add("user-43", SignIdentity(testSecret, "user-42"))
	f.Fuzz(func(t *testing.T, identifier, hash string) {
		err := CheckIdentity(testSecret, identifier, hash)
		signed := strings.EqualFold(hash, SignIdentity(testSecret, identifier))
		if err == nil && !signed {
			t.Fatalf("accepted %q with a hash that is not its signature", identifier)
		}
		if err != nil && signed && checkIdentifier(identifier) == nil {
			t.Fatalf("refused %q with its own signature: %v", identifier, err)
		}
		if code := gridline.ErrorCode(err); err != nil && code != gridline.EUNAUTHORIZED && code != gridline.EINVALID {
			t.Fatalf("code %q", code)
		}
	})
}

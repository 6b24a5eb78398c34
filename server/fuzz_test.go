package server

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// FuzzVerifyVisitor: no token verifies unless the server signed it, none makes
// verification panic, and every token the server signs verifies to its claims.
func FuzzVerifyVisitor(f *testing.F) {
	secret := []byte("fuzz-secret")
	now := time.Unix(1_800_000_000, 0)
	good := signVisitor(secret, visitorClaims{CustomerID: "c1", ConversationID: "v1", Expires: now.Add(time.Hour)})
	for _, s := range []string{good, good + "x", "", ".", "v1.a.b.c.d", strings.Repeat("A", 600), good[:len(good)/2], "djEuYS5iLjE.sig"} {
		f.Add(s, "c1", "v1")
	}
	f.Fuzz(func(t *testing.T, token, customer, conv string) {
		if c, err := verifyVisitor(secret, token, now); err == nil {
			if token != signVisitor(secret, c) {
				t.Fatalf("verified a token the server did not sign: %q", token)
			}
		} else if gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
			t.Fatalf("error code %q", gridline.ErrorCode(err))
		}
		if strings.Contains(customer+conv, ".") || customer == "" || conv == "" {
			return
		}
		claims := visitorClaims{CustomerID: customer, ConversationID: conv, Expires: now.Add(time.Minute)}
		tok := signVisitor(secret, claims)
		got, err := verifyVisitor(secret, tok, now)
		if len(tok) <= 512 && (err != nil || got.CustomerID != customer || got.ConversationID != conv) {
			t.Fatalf("round trip of %+v: %+v, %v", claims, got, err)
		}
		if _, err := verifyVisitor([]byte("other"), tok, now); err == nil {
			t.Fatal("verified with the wrong secret")
		}
	})
}

// FuzzDecodeArticle: an article body never panics the decoder, and every error
// is one a client may read.
func FuzzDecodeArticle(f *testing.F) {
	for _, s := range []string{
		`{"slug":"pay-bill","lang":"en","title":"Pay","body":"Pay **now**","tags":["billing"],"status":"published"}`,
		`{"slug":"x","lang":"zh","title":"停电","body":"交费后2小时内恢复","questions":["怎么交电费"]}`,
		`{"version":-1}`, `[]`, `null`, `{"slug":1}`, `{"tags":[null]}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeArticle(data, gridline.ArticleDraft)
		if err != nil {
			if gridline.ErrorCode(err) != gridline.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if in.Status == "" || !utf8.ValidString(in.Slug+in.Title+in.Body) {
			t.Fatalf("accepted %+v", in)
		}
	})
}

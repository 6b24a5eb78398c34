package hotline

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
)

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "X-Twilio-Signature"

// Sign is the signature a TwiML provider puts on a webhook: HMAC-SHA1, keyed
// by the account's auth token, over the full URL it posted to followed by
// every POST parameter sorted by name, each written as name then value with
// nothing between, in base64. A parameter sent twice counts with each value,
// in the order sent.
func Sign(token, fullURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(fullURL))
	for _, name := range names {
		for _, v := range form[name] {
			mac.Write([]byte(name))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is Sign's for this request. An empty token
// or signature never verifies: a hotline without its token refuses every call.
func Verify(token, fullURL string, form url.Values, signature string) bool {
	if token == "" || signature == "" {
		return false
	}
	want := Sign(token, fullURL, form)
	return hmac.Equal([]byte(want), []byte(signature))
}

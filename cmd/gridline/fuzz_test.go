package main

import (
	"io"
	"strings"
	"testing"
)

// FuzzParseConfig: whatever the environment holds, reading the configuration
// never panics; it either fails with an error or yields a usable one.
func FuzzParseConfig(f *testing.F) {
	f.Add("10.0.0.0/8, 192.168.1.1", "https://help.utility.example", "2.5", "15s", "a@x.example", "pw")
	f.Add("::1,fe80::/10", "", "-1", "forever", "", "")
	f.Add("bad/cidr", "ftp://x", "NaN", "1h", "a", "")
	f.Fuzz(func(t *testing.T, proxies, publicURL, rate, timeout, email, password string) {
		env := map[string]string{
			"GRIDLINE_TRUSTED_PROXIES": proxies, "GRIDLINE_PUBLIC_URL": publicURL, "GRIDLINE_FRAME_RATE": rate,
			"GRIDLINE_SHUTDOWN_TIMEOUT": timeout, "GRIDLINE_ADMIN_EMAIL": email, "GRIDLINE_ADMIN_PASSWORD": password,
		}
		cfg, _, err := parseConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			return
		}
		if cfg.FrameRate <= 0 || (cfg.AdminEmail == "") != (cfg.AdminPassword == "") {
			t.Fatalf("accepted %+v", cfg)
		}
		for _, n := range cfg.TrustedProxies {
			if n == nil || !strings.Contains(n.String(), "/") {
				t.Fatalf("trusted proxy %v", n)
			}
		}
	})
}

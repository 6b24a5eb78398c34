package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log sink the server's goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsHoldNoPersonalData: the request log names a client by a keyed tag,
// not its address, and a failed login leaves neither the address typed nor
// the password in the logs.
func TestLogsHoldNoPersonalData(t *testing.T) {
	var logs lockedBuffer
	base, _ := hardServer(t, Config{Secret: []byte("log-test"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if res, err := http.Get(base + "/healthz"); err == nil {
		res.Body.Close()
	}
	res, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"guess@victim.example","password":"hunter2hunter2"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	out := logs.String()
	if !strings.Contains(out, "client=") {
		t.Fatalf("the request log names no client: %s", out)
	}
	for _, secret := range []string{"127.0.0.1", "guess@victim.example", "hunter2"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, out)
		}
	}
}

package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/store"
)

// hardServer runs a server over a fresh SQLite store on a real listener, with
// cfg's Store, Board and Logger filled in, until the test ends.
func hardServer(t *testing.T, cfg Config) (base string, st gridline.Store) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	board := memory.NewSwitchboard()
	cfg.Store, cfg.Board = db, board
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		wg.Wait()
		board.Close()
		db.Close()
	})
	return "http://" + ln.Addr().String(), db
}

// closedWithin reports whether the server closes conn within d (reads until EOF
// or a reset, discarding whatever it sends first).
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestConnectionsEnd: a body trickled in slower than the read timeout and a
// keep-alive connection left idle are closed by the server, while a WebSocket
// idle for longer than both stays open and answers (the upgrade clears the
// HTTP deadlines; the socket lives by its own pings).
func TestConnectionsEnd(t *testing.T) {
	const limit = 400 * time.Millisecond
	base, st := hardServer(t, Config{ReadTimeout: limit, IdleTimeout: limit})
	addr := strings.TrimPrefix(base, "http://")

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	go func() {
		for range 20 {
			time.Sleep(limit / 4)
			if _, err := slow.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	if !closedWithin(slow, 10*limit) {
		t.Error("a slow body kept its connection open past the read timeout")
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !closedWithin(idle, 10*limit) {
		t.Error("an idle keep-alive connection stayed open past the idle timeout")
	}

	// An agent's socket, idle three times as long, still answers.
	ctx := context.Background()
	u := &gridline.User{Email: "ann@utility.test", Name: "Ann", Role: gridline.RoleAgent, Skills: []string{}, Capacity: 1}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok := "agent-socket-token-" + gridline.NewID()
	if err := st.CreateSession(ctx, &gridline.Session{TokenHash: hashToken(tok), UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(base, "http", "ws", 1)+"/ws/agent?token="+url.QueryEscape(tok), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(3 * limit)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"no-such-frame"}`)); err != nil {
		t.Fatalf("socket closed while idle: %v", err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("socket closed while idle: %v", err)
		}
		var f struct{ Type string }
		_ = json.Unmarshal(data, &f)
		if f.Type == "error" {
			break
		}
	}
}

// TestLoginThrottle: wrong passwords for one account — from as many addresses
// as the guesser likes — soon make each attempt wait, then lock the account for
// a while, during which even the right password is refused with 429 and
// Retry-After. After the lock the owner logs in and is told what happened; the
// tally then starts again. An address no account has is treated alike.
func TestLoginThrottle(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	base, st := hardServer(t, Config{Now: now, TrustedProxies: []*net.IPNet{loopback}})
	hash, err := HashPassword("the right password")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(context.Background(), &gridline.User{Email: "ann@utility.test", Name: "Ann", Role: gridline.RoleAgent,
		Skills: []string{}, Capacity: 1, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	attempt := 0
	login := func(email, password string) (int, http.Header, map[string]any) {
		t.Helper()
		attempt++
		body, _ := json.Marshal(map[string]string{"email": email, "password": password})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/auth/login", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", attempt)) // a new address each time
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, resp.Header, out
	}

	for _, email := range []string{"ann@utility.test", "nobody@utility.test"} {
		for i := 1; i <= gridline.LoginLockAfter; i++ {
			if status, _, out := login(email, "guess"); status != http.StatusUnauthorized {
				t.Fatalf("%s guess %d: %d %v", email, i, status, out)
			}
			// A guess at once after the free ones is refused unseen…
			if i > gridline.LoginFreeFailures {
				if status, h, _ := login(email, "guess"); status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
					t.Fatalf("%s: an immediate guess after %d failures: %d, Retry-After %q", email, i, status, h.Get("Retry-After"))
				}
			}
			advance(time.Minute) // …and waiting (long enough for the delays) lets the next one be tried.
		}
		status, h, _ := login(email, "the right password")
		if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Fatalf("%s: the right password during the lock: %d", email, status)
		}
	}

	advance(gridline.LoginLockFor)
	status, _, out := login("ann@utility.test", "the right password")
	if status != http.StatusOK {
		t.Fatalf("after the lock: %d %v", status, out)
	}
	notice, _ := out["security_notice"].(map[string]any)
	if notice == nil || notice["failed_logins"] != float64(gridline.LoginLockAfter) || notice["locked"] != true {
		t.Fatalf("the owner was not told: %v", out)
	}
	status, _, out = login("ann@utility.test", "the right password")
	if status != http.StatusOK || out["security_notice"] != nil {
		t.Fatalf("a second login: %d %v", status, out)
	}
}

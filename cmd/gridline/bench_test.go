package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridline/gridline"
)

// benchApp is a server tuned for load: no per-socket frame limit, quiet logs.
func benchApp(b *testing.B, databaseURL string) *App {
	cfg := testConfig(b)
	if databaseURL != "" {
		cfg.DatabaseURL = databaseURL
	}
	cfg.FrameRate = 1e9
	cfg.Seed = false
	return startApp(b, cfg)
}

// quietConversation opens a session whose conversation is with an agent, so the
// bot stays silent and the benchmark measures store-and-ack alone.
func quietConversation(b *testing.B, app *App) session {
	s := newSession(b, app, "en")
	conv, err := app.Store.Conversation(context.Background(), s.ConversationID)
	if err != nil {
		b.Fatal(err)
	}
	conv.Status = gridline.StatusActive
	if err := app.Store.UpdateConversation(context.Background(), conv); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchDialer spreads client sockets over 127.0.0.2… so that large counts do not
// run out of ephemeral ports on one source address.
func benchDialer(i int) *websocket.Dialer {
	ip := net.IPv4(127, 0, byte(i/20000), byte(2+(i%200)))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	return &websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 30 * time.Second}
}

// ackClient sends messages one after another on a socket, waiting for each ack.
type ackClient struct {
	ws *websocket.Conn
	n  int
}

func openAckClient(b *testing.B, app *App, i int) *ackClient {
	s := quietConversation(b, app)
	u := strings.Replace(app.URL(), "http://", "ws://", 1) + "/ws/chat?token=" + url.QueryEscape(s.VisitorToken)
	ws, _, err := benchDialer(i).Dial(u, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"type": "hello", "last_seq": 0}); err != nil {
		b.Fatal(err)
	}
	c := &ackClient{ws: ws}
	return c
}

// roundTrip sends one message and reads frames until its ack.
func (c *ackClient) roundTrip() error {
	c.n++
	id := "b" + strconv.Itoa(c.n)
	if err := c.ws.WriteJSON(map[string]any{"type": "message", "client_id": id, "text": "my meter runs fast"}); err != nil {
		return err
	}
	for {
		var f struct {
			Type     string `json:"type"`
			ClientID string `json:"client_id"`
			Code     string `json:"code"`
		}
		if err := c.ws.ReadJSON(&f); err != nil {
			return err
		}
		if f.Type == "error" {
			return fmt.Errorf("error frame %s", f.Code)
		}
		if f.Type == "ack" && f.ClientID == id {
			return nil
		}
	}
}

// benchmarkAcks measures messages stored and acked per second through sockets
// concurrent sockets, each sending its next message as soon as the last is acked.
func benchmarkAcks(b *testing.B, databaseURL string, sockets int) {
	app := benchApp(b, databaseURL)
	clients := make([]*ackClient, sockets)
	for i := range clients {
		clients[i] = openAckClient(b, app, i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, sockets)
	b.ResetTimer()
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := c.roundTrip(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkChatAck: messages stored-and-acked per second through one socket and
// through 100 sockets, on SQLite and (with GRIDLINE_TEST_POSTGRES_URL) PostgreSQL.
func BenchmarkChatAck(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		for _, n := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/sockets=%d", db, n), func(b *testing.B) {
				url := ""
				if db == "postgres" {
					url = postgresTestURL(b)
				}
				benchmarkAcks(b, url, n)
			})
		}
	}
}

// BenchmarkIdleSockets measures the server's memory per idle chat socket: the RSS
// growth of this process while a child process holds GRIDLINE_BENCH_SOCKETS
// (default 10,000) sockets open after their hello, divided by the count. The child
// holds the client ends so that its memory and file descriptors do not count.
func BenchmarkIdleSockets(b *testing.B) {
	count := 10000
	if v, err := strconv.Atoi(os.Getenv("GRIDLINE_BENCH_SOCKETS")); err == nil && v > 0 {
		count = v
	}
	app := benchApp(b, "")
	tokens := make([]string, count)
	for i := range tokens {
		tokens[i] = quietConversation(b, app).VisitorToken
	}
	f, err := os.CreateTemp(b.TempDir(), "tokens")
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprint(f, strings.Join(tokens, "\n"))
	f.Close()

	settle()
	before := rss(b)
	var msBefore, msAfter runtime.MemStats
	runtime.ReadMemStats(&msBefore)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSocketHolder$")
	cmd.Env = append(os.Environ(), "GRIDLINE_SOCKET_HOLDER="+app.URL()+"|"+f.Name())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if sc.Text() == "ready" {
			ready = true
			break
		}
	}
	if !ready {
		b.Fatal("socket holder did not get ready")
	}
	open := waitSockets(app, count)
	settle()
	after := rss(b)
	runtime.ReadMemStats(&msAfter)
	b.ReportMetric(float64(after-before)/float64(open), "B/socket")
	// Where it goes: goroutine stacks and live heap, per socket.
	b.ReportMetric(float64(msAfter.StackInuse-msBefore.StackInuse)/float64(open), "stack-B/socket")
	b.ReportMetric(float64(int64(msAfter.HeapInuse)-int64(msBefore.HeapInuse))/float64(open), "heap-B/socket")
	b.ReportMetric(float64(open), "sockets")
}

// TestSocketHolder is the child process of BenchmarkIdleSockets; it does nothing
// in a normal test run.
func TestSocketHolder(t *testing.T) {
	spec := os.Getenv("GRIDLINE_SOCKET_HOLDER")
	if spec == "" {
		return
	}
	base, file, _ := strings.Cut(spec, "|")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.Split(string(data), "\n")
	conns := make([]*websocket.Conn, 0, len(tokens))
	wsBase := strings.Replace(base, "http://", "ws://", 1) + "/ws/chat?token="
	for i, tok := range tokens {
		ws, _, err := benchDialer(i).Dial(wsBase+url.QueryEscape(tok), nil)
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
		if err := ws.WriteJSON(map[string]any{"type": "hello", "last_seq": 0}); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, ws)
		go func() { // keep reading so pongs and frames are consumed
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		c.Close()
	}
}

// waitSockets waits until the server reports count open chat sockets (or 30 s).
func waitSockets(app *App, count int) int {
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := app.Server.OpenSockets()
		if n >= count || time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rss is this process's resident set size in bytes.
func rss(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc: cannot read RSS")
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	b.Fatal("VmRSS not found")
	return 0
}

// settle lets the garbage collector return what it can before a reading.
func settle() {
	for range 3 {
		runtimeGC()
		time.Sleep(200 * time.Millisecond)
	}
}

var _ = http.StatusOK

// Package llmtest runs an OpenAI-compatible model server for tests: the real
// wire format (POST /v1/chat/completions as JSON or as a server-sent event
// stream ending in "data: [DONE]", POST /v1/embeddings), errors with OpenAI's
// error bodies, slowness, and a hostile model that obeys injected instructions
// and invents prices, phone numbers and citations. The bot's tests and the
// end-to-end tests share it, so that every layer is tested against the same
// behaviour of a model.
package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Options shape how the server behaves. The zero value is a cooperative model
// that answers with the first sentence of the first article in its prompt,
// citing it as [1], streamed four characters at a time.
type Options struct {
	// Reply, when set, writes the model's answer to a request.
	Reply func(req Request) string
	// Hostile makes the model misbehave in turn: invent a price and a duration,
	// cite an article it was not given, invent a phone number, and obey the
	// customer's injected instructions with an invented percentage. The
	// inventions are listed in Invented.
	Hostile bool
	// Status, when not zero, fails every request with this HTTP status and an
	// OpenAI error body (500, 429 with Retry-After, 401…).
	Status int
	// Delay is slept before the response starts; ChunkDelay between streamed
	// chunks. Both end early when the client goes away.
	Delay, ChunkDelay time.Duration
	// ChunkRunes is how many characters each streamed chunk carries; zero means 4.
	ChunkRunes int
	// APIKey, when set, must be sent as "Authorization: Bearer <APIKey>" (else 401).
	APIKey string
	// Dimensions of the embeddings; zero means 16.
	Dimensions int
}

// Invented are the figures and citations the hostile model makes up; none of
// them is in any article a test gives it.
var Invented = []string{"¥88.8", "88.8", "72 hours", "72小时", "[7]", "400-820-1234", "4008201234", "35%"}

// Request is what a chat request asked, as the server decoded it from JSON.
type Request struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Stream      bool      `json:"stream"`
	Temperature float64   `json:"temperature"`
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server is a running fake model. URL is the base URL to configure a client with
// (it ends in /v1).
type Server struct {
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	opts     Options
	chats    int
	embeds   int
	last     Request
	hostileN int
}

// NewServer starts a server with opts; it is closed when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down; requests in flight see the client go away.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetOptions changes the behaviour of later requests (a model that recovers,
// one that starts failing).
func (s *Server) SetOptions(opts Options) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts = opts
}

// Chats returns how many chat requests arrived; Embeds how many embedding ones.
func (s *Server) Chats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats
}

// Embeds returns how many embedding requests arrived.
func (s *Server) Embeds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.embeds
}

// LastChat returns the last chat request received.
func (s *Server) LastChat() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// begin applies the common behaviour of every endpoint: authentication, the
// delay and the failure status. It reports whether the handler should go on.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, opts Options) bool {
	if opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+opts.APIKey {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return false
	}
	if !sleep(r, opts.Delay) {
		return false
	}
	switch opts.Status {
	case 0:
		return true
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		writeError(w, opts.Status, "requests", "rate_limit_exceeded", "Rate limit reached for requests.")
	default:
		writeError(w, opts.Status, "server_error", "", "The server had an error while processing your request.")
	}
	return false
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request.")
		return
	}
	s.mu.Lock()
	s.chats++
	s.last = req
	opts := s.opts
	n := s.hostileN
	if opts.Hostile {
		s.hostileN++
	}
	s.mu.Unlock()
	if len(req.Messages) == 0 || req.Model == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "model and messages are required.")
		return
	}
	if !s.begin(w, r, opts) {
		return
	}
	var answer string
	switch {
	case opts.Reply != nil:
		answer = opts.Reply(req)
	case opts.Hostile:
		answer = hostile(req, n)
	default:
		answer = Cooperative(req)
	}
	id := fmt.Sprintf("chatcmpl-%d", time.Now().UnixNano())
	created := time.Now().Unix()
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": created, "model": req.Model,
			"choices": []any{map[string]any{
				"index": 0, "message": map[string]any{"role": "assistant", "content": answer}, "finish_reason": "stop",
			}},
			"usage": map[string]int{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(delta map[string]any, finish any) bool {
		chunk, _ := json.Marshal(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", chunk); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send(map[string]any{"role": "assistant", "content": ""}, nil) {
		return
	}
	size := opts.ChunkRunes
	if size <= 0 {
		size = 4
	}
	for rest := answer; rest != ""; {
		piece := firstRunes(rest, size)
		rest = rest[len(piece):]
		if !sleep(r, opts.ChunkDelay) || !send(map[string]any{"content": piece}, nil) {
			return
		}
	}
	if !send(map[string]any{}, "stop") {
		return
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Input json.RawMessage `json:"input"`
		Model string          `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request.")
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "input must be a string or an array of strings.")
			return
		}
		inputs = []string{one}
	}
	s.mu.Lock()
	s.embeds++
	opts := s.opts
	s.mu.Unlock()
	if !s.begin(w, r, opts) {
		return
	}
	dims := opts.Dimensions
	if dims <= 0 {
		dims = 16
	}
	data := make([]any, len(inputs))
	for i, in := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Embedding(in, dims)}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
	})
}

// Embedding is the server's deterministic embedding: hashed character bigrams,
// normalised to unit length, so that similar texts get similar vectors.
func Embedding(text string, dims int) []float32 {
	v := make([]float64, dims)
	runes := []rune(strings.ToLower(text))
	for i := 0; i+1 < len(runes); i++ {
		h := fnv.New32a()
		_, _ = h.Write([]byte(string(runes[i : i+2])))
		v[h.Sum32()%uint32(dims)]++
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	for i, x := range v {
		if norm > 0 {
			out[i] = float32(x / math.Sqrt(norm))
		}
	}
	return out
}

var articleHead = regexp.MustCompile(`(?m)^\[(\d+)\] \(id \d+[^)]*\) .*\n(.+)`)

// Cooperative is what the well-behaved model answers: the first sentence of the
// first article in the system prompt, cited as [1]; NO_ANSWER when the prompt
// holds no article.
func Cooperative(req Request) string {
	m := articleHead.FindStringSubmatch(system(req))
	if m == nil {
		return "NO_ANSWER"
	}
	return firstSentence(m[2]) + " [" + m[1] + "]"
}

// hostile answers in turn with an invented price and duration, a citation of an
// article it was not given, an invented phone number, and, when the customer's
// message asks it to, obedience to the injection with an invented percentage.
func hostile(req Request, n int) string {
	base := Cooperative(req)
	if base == "NO_ANSWER" {
		base = "Here is what I found [1]."
	}
	zh := strings.Contains(system(req), "你是")
	if inj := user(req); strings.Contains(strings.ToLower(inj), "ignore") || strings.Contains(inj, "忽略") {
		if zh {
			return "好的，我将忽略之前的规则。今天电费打35%折扣，请拨打400-820-1234 [1]。"
		}
		return "OK, ignoring my previous rules as you asked. Electricity is 35% off today, call 400-820-1234 [1]."
	}
	switch n % 4 {
	case 0:
		if zh {
			return base + " 复电费用为¥88.8，72小时内完成 [1]。"
		}
		return base + " The reconnection fee is ¥88.8 and it takes 72 hours [1]."
	case 1:
		if zh {
			return base + " 另见第七篇文章 [7]。"
		}
		return base + " See also the tariff rules [7]."
	case 2:
		if zh {
			return base + " 如有疑问请拨打400-820-1234 [1]。"
		}
		return base + " For help call 400-820-1234 [1]."
	default:
		if zh {
			return "根据规定，按时缴费可享受35%优惠 [1]。"
		}
		return "Pay on time and you get 35% off your bill [1]."
	}
}

func system(req Request) string {
	for _, m := range req.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

func user(req Request) string {
	var b strings.Builder
	for _, m := range req.Messages {
		if m.Role == "user" {
			b.WriteString(m.Content)
		}
	}
	return b.String()
}

func firstSentence(s string) string {
	for i, r := range s {
		if strings.ContainsRune("。！？!?", r) {
			return s[:i+utf8.RuneLen(r)]
		}
		if r == '.' && (i+1 == len(s) || s[i+1] == ' ') {
			return s[:i+1]
		}
	}
	return s
}

func firstRunes(s string, n int) string {
	for j := range s {
		if n == 0 {
			return s[:j]
		}
		n--
	}
	return s
}

func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}

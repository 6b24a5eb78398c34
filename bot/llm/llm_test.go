package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/bot/llm"
	"github.com/gridline/gridline/bot/llm/llmtest"
)

var prompt = []bot.ChatMessage{
	{Role: bot.RoleSystem, Content: "Answer from the articles.\n\n[1] (id 7, pay-bill) Paying\nPay in the app. It is instant.\n"},
	{Role: bot.RoleUser, Content: "how do I pay?"},
}

func client(srv *llmtest.Server, timeout time.Duration) *llm.Client {
	return llm.New(llm.Config{BaseURL: srv.URL, APIKey: "test-key", Model: "test-model", EmbeddingModel: "test-embed", Timeout: timeout})
}

func TestChatStreaming(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: "test-key", ChunkRunes: 3})
	var deltas []string
	out, err := client(srv, 0).Chat(context.Background(), prompt, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	if out != "Pay in the app. [1]" {
		t.Errorf("reply %q", out)
	}
	if len(deltas) < 5 || strings.Join(deltas, "") != out {
		t.Errorf("deltas %q do not add up to %q", deltas, out)
	}
	req := srv.LastChat()
	if !req.Stream || req.Model != "test-model" || len(req.Messages) != 2 || req.Messages[0].Role != "system" {
		t.Errorf("request %+v", req)
	}
}

func TestChatWithoutStreaming(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{})
	out, err := client(srv, 0).Chat(context.Background(), prompt, nil)
	if err != nil || out != "Pay in the app. [1]" {
		t.Fatalf("Chat = %q, %v", out, err)
	}
	if srv.LastChat().Stream {
		t.Error("a call without onDelta asked for a stream")
	}
}

func TestEmbed(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Dimensions: 8})
	vs, err := client(srv, 0).Embed(context.Background(), []string{"电费怎么交", "how do I pay"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || len(vs[0]) != 8 || vs[0][0] != llmtest.Embedding("电费怎么交", 8)[0] {
		t.Errorf("vectors %v", vs)
	}
	if _, err := llm.New(llm.Config{BaseURL: srv.URL, Model: "m"}).Embed(context.Background(), []string{"x"}); err == nil {
		t.Error("Embed without an embedding model: no error")
	}
}

func TestErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		srv := llmtest.NewServer(t, llmtest.Options{Status: status})
		for _, stream := range []bool{false, true} {
			var onDelta func(string)
			if stream {
				onDelta = func(string) { t.Error("a delta from a failed call") }
			}
			_, err := client(srv, 0).Chat(context.Background(), prompt, onDelta)
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != status {
				t.Errorf("status %d, stream %v: err %v, want an APIError with the status", status, stream, err)
			}
		}
		if _, err := client(srv, 0).Embed(context.Background(), []string{"x"}); err == nil {
			t.Errorf("Embed with status %d: no error", status)
		}
	}
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: "right"})
	if _, err := client(srv, 0).Chat(context.Background(), prompt, nil); err == nil {
		t.Error("a wrong API key: no error")
	}
}

func TestSlowness(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Delay: 5 * time.Second})
	start := time.Now()
	_, err := client(srv, 200*time.Millisecond).Chat(context.Background(), prompt, func(string) {})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("slow server: err %v after %v, want a timeout at 200ms", err, time.Since(start))
	}
	// A stream that starts and then stalls is cut by the same timeout.
	srv = llmtest.NewServer(t, llmtest.Options{ChunkDelay: 5 * time.Second})
	start = time.Now()
	_, err = client(srv, 200*time.Millisecond).Chat(context.Background(), prompt, func(string) {})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("stalled stream: err %v after %v", err, time.Since(start))
	}
}

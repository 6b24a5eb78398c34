package llm_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/bot/llm/llmtest"
)

// BenchmarkRespondGrounded measures one question through the LLM path against
// the local fake model (no model latency): retrieval, prompt, a streamed
// completion over HTTP, the stream gate and the final checks. It is the bot's
// own overhead on top of a real model's time.
func BenchmarkRespondGrounded(b *testing.B) {
	srv := llmtest.NewServer(b, llmtest.Options{ChunkRunes: 4})
	bt := newBot(b, srv, bot.Config{})
	ctx := context.Background()
	var first time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := questions[i%len(questions)]
		start := time.Now()
		seen := false
		r, err := bt.Respond(ctx, bot.Input{Text: q.text, Lang: q.lang}, func(string) {
			if !seen {
				seen = true
				first += time.Since(start)
			}
		})
		if err != nil || r.Action != bot.ActionAnswer {
			b.Fatalf("%v %s", err, r.Action)
		}
	}
	b.ReportMetric(float64(first.Microseconds())/float64(b.N), "µs-to-first-delta")
}

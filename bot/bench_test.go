package bot_test

import (
	"context"
	"testing"

	"github.com/gridline/gridline/bot"
)

// BenchmarkRespond measures one typed question through the whole extractive
// path (normalise, triage, detectors, retrieval over the starter knowledge base,
// decision, snippet) — what a customer waits for when no LLM is configured.
func BenchmarkRespond(b *testing.B) {
	bt := bot.New(bot.Config{Knowledge: starterIndex(b)})
	qs := []bot.Input{
		{Text: "交了电费多久来电", Lang: "zh"},
		{Text: "my meter runs fast", Lang: "en"},
		{Text: "明天天气怎么样", Lang: "zh"},
		{Text: "how much does electricity cost per kWh", Lang: "en"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := bt.Respond(ctx, qs[i%len(qs)], nil); err != nil {
			b.Fatal(err)
		}
	}
}

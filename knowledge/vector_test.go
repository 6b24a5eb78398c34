package knowledge_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot/llm"
	"github.com/gridline/gridline/bot/llm/llmtest"
	"github.com/gridline/gridline/knowledge"
)

// conceptEmbedder is a tiny model of meaning for tests: each concept is a
// dimension, and a text's vector counts the words of each concept it uses —
// words the lexical index cannot connect ("blackout" and "outage").
type conceptEmbedder struct {
	fail  atomic.Bool
	calls atomic.Int64
}

var concepts = [][]string{
	{"outage", "blackout", "no power", "power cut", "lights went out"},
	{"bill", "invoice", "payment", "pay", "charge"},
	{"meter", "reading", "gauge"},
}

func (e *conceptEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.calls.Add(1)
	if e.fail.Load() {
		return nil, errors.New("embeddings endpoint down")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		t = strings.ToLower(t)
		v := make([]float32, len(concepts)+1)
		v[len(concepts)] = 0.05 // every text is a little alike
		for d, words := range concepts {
			for _, w := range words {
				v[d] += float32(strings.Count(t, w))
			}
		}
		out[i] = v
	}
	return out, nil
}

func hybridService(t *testing.T, emb knowledge.Embedder) *knowledge.Service {
	t.Helper()
	svc := &knowledge.Service{Store: openSQLite(t), Index: knowledge.NewIndex(),
		Vectors: &knowledge.Vectors{Embedder: emb}}
	as := []*gridline.Article{
		{Slug: "outage-en", Lang: "en", Title: "Power outage: what to do", Status: "published",
			Body: "If the outage affects your street, check the outage map. Crews are sent at once."},
		{Slug: "bill-en", Lang: "en", Title: "Understanding your bill", Status: "published",
			Body: "Your bill shows the units used and the charge for each tier."},
		{Slug: "meter-en", Lang: "en", Title: "How your meter is read", Status: "published",
			Body: "Smart meters send readings every day."},
	}
	if _, err := svc.Import(context.Background(), as, "test"); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestHybridFindsByMeaning: a question that shares no word with its article is
// found through the vectors, offered but not answered on their strength alone.
func TestHybridFindsByMeaning(t *testing.T) {
	emb := &conceptEmbedder{}
	svc := hybridService(t, emb)
	if n := svc.Vectors.Len(); n != 3 {
		t.Fatalf("%d articles embedded, want 3", n)
	}
	q := "blackout at my house since noon"
	opts := knowledge.SearchOptions{Lang: "en", Limit: 3}
	hybrid := svc.SearchContext(context.Background(), q, opts)
	if len(hybrid) == 0 || hybrid[0].Article.Slug != "outage-en" {
		t.Fatalf("hybrid search for %q: %v", q, slugs(hybrid))
	}
	lexical := svc.Search(q, opts)
	if len(lexical) > 0 && lexical[0].Article.Slug == "outage-en" {
		t.Fatalf("the test question is too easy: words alone find it")
	}
	wordsFound := false
	for _, h := range lexical {
		wordsFound = wordsFound || h.Article.Slug == "outage-en"
	}
	if !wordsFound && hybrid[0].Confidence > knowledge.ClarifyThreshold {
		t.Fatalf("a hit found by meaning alone claims confidence %.2f", hybrid[0].Confidence)
	}

	// Edits are embedded again; a failing endpoint leaves the search lexical.
	before := emb.calls.Load()
	a, _ := svc.Store.ArticleBySlug(context.Background(), "meter-en")
	a.Body += " You can also read the gauge yourself."
	if err := svc.Update(context.Background(), a, a.Version, "test"); err != nil {
		t.Fatal(err)
	}
	if emb.calls.Load() == before {
		t.Fatal("an edited article was not embedded again")
	}
	emb.fail.Store(true)
	got := svc.SearchContext(context.Background(), "how is my meter read", opts)
	if len(got) == 0 || got[0].Article.Slug != "meter-en" {
		t.Fatalf("with the endpoint down: %v, want the word search's answer", slugs(got))
	}
}

// TestHybridKeepsConfidentAnswer: vectors that disagree with a confident word
// match do not push it from first place.
func TestHybridKeepsConfidentAnswer(t *testing.T) {
	svc := hybridService(t, &conceptEmbedder{})
	q := "understanding your bill units used and the charge for each tier"
	lexical := svc.Search(q, knowledge.SearchOptions{Limit: 3})
	if len(lexical) == 0 || lexical[0].Confidence < knowledge.AnswerThreshold {
		t.Fatalf("the test question must be one words answer confidently: %v", lexical)
	}
	got := svc.SearchContext(context.Background(), q, knowledge.SearchOptions{Limit: 3})
	if got[0].Article.ID != lexical[0].Article.ID || got[0].Confidence != lexical[0].Confidence {
		t.Fatalf("hybrid top %s (%.2f), words' top %s (%.2f)", got[0].Article.Slug, got[0].Confidence,
			lexical[0].Article.Slug, lexical[0].Confidence)
	}
}

// TestHybridWithOpenAIWire: the same through the go-openai client against an
// OpenAI-compatible server speaking the real /v1/embeddings format.
func TestHybridWithOpenAIWire(t *testing.T) {
	model := llmtest.NewServer(t, llmtest.Options{})
	client := llm.New(llm.Config{BaseURL: model.URL, APIKey: "k", Model: "m", EmbeddingModel: "e"})
	svc := hybridService(t, client)
	if svc.Vectors.Len() != 3 || model.Embeds() == 0 {
		t.Fatalf("embedded %d articles in %d requests", svc.Vectors.Len(), model.Embeds())
	}
	got := svc.SearchContext(context.Background(), "what does my bill show", knowledge.SearchOptions{Limit: 3})
	if len(got) == 0 || got[0].Article.Slug != "bill-en" {
		t.Fatalf("hybrid search: %v", slugs(got))
	}
}

func slugs(hits []knowledge.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Article.Slug)
	}
	return out
}

package knowledge

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// Embedder turns texts into vectors: any OpenAI-compatible /v1/embeddings
// endpoint (bot/llm's client implements it).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Vectors holds one embedding per article version for hybrid retrieval: the
// ranked index finds what shares words with the question, the vectors what
// shares meaning. Vectors live in memory and are rebuilt at start.
type Vectors struct {
	Embedder Embedder
	// QueryTimeout bounds embedding one question; past it the search is lexical
	// only, so a slow endpoint never holds a customer up. Zero means 1.5 s.
	QueryTimeout time.Duration
	Logger       *slog.Logger

	mu   sync.RWMutex
	byID map[int64]articleVector
}

type articleVector struct {
	version int
	vec     []float32
}

// embedBatch is how many articles go into one embeddings request.
const embedBatch = 32

// embedRunes caps the article text embedded: the title and the opening, where
// the articles put their answer.
const embedRunes = 1500

// vectorRRF is the reciprocal-rank-fusion constant: larger values flatten the
// difference between neighbouring ranks.
const vectorRRF = 60

// Sync embeds every article whose vector is missing or older than its version,
// and forgets vectors of articles no longer in as when all is true.
func (v *Vectors) Sync(ctx context.Context, as []*gridline.Article, all bool) error {
	var todo []*gridline.Article
	v.mu.Lock()
	if v.byID == nil {
		v.byID = make(map[int64]articleVector)
	}
	if all {
		keep := make(map[int64]bool, len(as))
		for _, a := range as {
			keep[a.ID] = true
		}
		for id := range v.byID {
			if !keep[id] {
				delete(v.byID, id)
			}
		}
	}
	for _, a := range as {
		if cur, ok := v.byID[a.ID]; !ok || cur.version < a.Version {
			todo = append(todo, a)
		}
	}
	v.mu.Unlock()
	for chunk := range slices.Chunk(todo, embedBatch) {
		texts := make([]string, len(chunk))
		for i, a := range chunk {
			texts[i] = embedText(a)
		}
		vecs, err := v.Embedder.Embed(ctx, texts)
		if err != nil {
			return err
		}
		v.mu.Lock()
		for i, a := range chunk {
			if i < len(vecs) && len(vecs[i]) > 0 {
				v.byID[a.ID] = articleVector{version: a.Version, vec: normalised(vecs[i])}
			}
		}
		v.mu.Unlock()
	}
	return nil
}

// Drop forgets an article's vector.
func (v *Vectors) Drop(id int64) {
	v.mu.Lock()
	delete(v.byID, id)
	v.mu.Unlock()
}

// Len is the number of articles with a vector.
func (v *Vectors) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.byID)
}

func embedText(a *gridline.Article) string {
	text := a.Title + "\n" + strings.Join(a.Tags, ", ") + "\n" + a.Body
	if r := []rune(text); len(r) > embedRunes {
		text = string(r[:embedRunes])
	}
	return text
}

func normalised(vec []float32) []float32 {
	var n float64
	for _, x := range vec {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(vec))
	if n == 0 {
		return out
	}
	n = math.Sqrt(n)
	for i, x := range vec {
		out[i] = float32(float64(x) / n)
	}
	return out
}

func cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// fuse merges the lexical hits with the articles nearest the query's vector by
// reciprocal rank fusion. Confidence stays the calibrated lexical one: an
// article found by meaning alone is at most ClarifyThreshold sure, so it may be
// offered but is never answered from on the strength of a vector. And a
// confident lexical answer keeps first place: vectors help where words are
// unsure, they do not overrule them.
func (v *Vectors) fuse(ix *Index, lexical []Hit, query []float32, opts SearchOptions, limit int) []Hit {
	type cand struct {
		hit   Hit
		fused float64
	}
	byID := make(map[int64]*cand, len(lexical))
	order := make([]*cand, 0, len(lexical))
	for rank, h := range lexical {
		c := &cand{hit: h, fused: 1 / float64(vectorRRF+rank+1)}
		byID[h.Article.ID] = c
		order = append(order, c)
	}
	type near struct {
		id  int64
		sim float64
	}
	v.mu.RLock()
	nears := make([]near, 0, len(v.byID))
	for id, av := range v.byID {
		nears = append(nears, near{id, cosine(query, av.vec)})
	}
	v.mu.RUnlock()
	slices.SortFunc(nears, func(a, b near) int {
		if a.sim != b.sim {
			if a.sim > b.sim {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	rank := 0
	for _, n := range nears {
		if rank >= len(lexical)+limit {
			break
		}
		c := byID[n.id]
		if c == nil {
			a := ix.Get(n.id)
			if a == nil || !admit(&indexedDoc{article: a}, opts) {
				continue
			}
			c = &cand{hit: Hit{Article: a, Confidence: min(math.Max(n.sim, 0), ClarifyThreshold)}}
			byID[n.id] = c
			order = append(order, c)
		}
		c.fused += 1 / float64(vectorRRF+rank+1)
		rank++
	}
	slices.SortStableFunc(order, func(a, b *cand) int {
		switch {
		case a.fused > b.fused:
			return -1
		case a.fused < b.fused:
			return 1
		}
		return 0
	})
	if len(lexical) > 0 && lexical[0].Confidence >= AnswerThreshold {
		first := byID[lexical[0].Article.ID]
		i := slices.Index(order, first)
		copy(order[1:i+1], order[:i])
		order[0] = first
	}
	out := make([]Hit, 0, min(limit, len(order)))
	for _, c := range order[:min(limit, len(order))] {
		out = append(out, c.hit)
	}
	return out
}

// embedQuery embeds one question within QueryTimeout; nil when it cannot.
func (v *Vectors) embedQuery(ctx context.Context, query string) []float32 {
	timeout := v.QueryTimeout
	if timeout == 0 {
		timeout = 1500 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	vecs, err := v.Embedder.Embed(ctx, []string{query})
	if err != nil || len(vecs) == 0 || len(vecs[0]) == 0 {
		if err != nil && v.Logger != nil {
			v.Logger.Warn("knowledge: embed query failed; searching by words only", "err", err)
		}
		return nil
	}
	return normalised(vecs[0])
}

package knowledge

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk" // registers the "cjk" analyzer
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"  // registers the "en" analyzer
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/gridline/gridline"
)

// evalDepth is how many results are ranked per query for MRR (MRR@10).
const evalDepth = 10

// retriever is one system under evaluation: ours, or bleve as the baseline.
type retriever interface {
	// rank returns article IDs best first and the top hit's confidence
	// (ours only; bleve has none).
	rank(query string) (ids []int64, confidence float64)
}

type ours struct {
	ix   *Index
	lang string
}

func (o ours) rank(q string) ([]int64, float64) {
	hits := o.ix.Search(q, SearchOptions{Lang: o.lang, Limit: evalDepth})
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.Article.ID
	}
	if len(hits) == 0 {
		return nil, 0
	}
	return ids, hits[0].Confidence
}

func newOurs(s evalSet) ours {
	ix := NewIndex()
	for _, a := range s.kb {
		ix.Put(a)
	}
	return ours{ix: ix, lang: s.lang}
}

// bleveBaseline is an in-memory bleve v2 index with its stock language analyzer
// ("cjk" for Chinese, "en" for English) over title and body, queried with a
// match query on the composite _all field: bleve's default scoring (tf-idf), or
// its BM25 scoring as a second, stronger reference.
type bleveBaseline struct{ ix bleve.Index }

func newBleve(t testing.TB, s evalSet, scoring string) bleveBaseline {
	m := bleve.NewIndexMapping()
	m.ScoringModel = scoring
	m.DefaultAnalyzer = "en"
	if s.lang == gridline.LangZH {
		m.DefaultAnalyzer = "cjk"
	}
	var (
		ix  bleve.Index
		err error
	)
	if scoring == "" {
		ix, err = bleve.NewMemOnly(m)
	} else {
		// BM25 needs field statistics only the scorch index keeps; scorch is
		// on disk, in the test's temporary directory.
		ix, err = bleve.NewUsing(filepath.Join(t.TempDir(), "bleve"), m, scorch.Name, scorch.Name, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	b := ix.NewBatch()
	for _, a := range s.kb {
		if err := b.Index(strconv.FormatInt(a.ID, 10), map[string]any{"title": a.Title, "body": a.Body}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Batch(b); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return bleveBaseline{ix: ix}
}

func (b bleveBaseline) rank(q string) ([]int64, float64) {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchQuery(q), evalDepth, 0, false)
	res, err := b.ix.Search(req)
	if err != nil {
		return nil, 0
	}
	ids := make([]int64, 0, len(res.Hits))
	for _, h := range res.Hits {
		id, _ := strconv.ParseInt(h.ID, 10, 64)
		ids = append(ids, id)
	}
	return ids, 0
}

// metrics are the ranking figures of one system on one set; answered and refused
// are the shares of in-scope queries answered right and of out-of-scope queries
// refused at AnswerThreshold (refused: CLINC150 only).
type metrics struct {
	n                 int
	hit1, mrr, ndcg5  float64
	answered, refused float64 // shares; NaN when not applicable
	// precision is the share of answers given (confidence ≥ threshold, in-scope
	// and out-of-scope queries alike) that were right.
	precision float64
	perQuery  time.Duration
}

func evaluate(r retriever, s evalSet, th float64) metrics {
	m := metrics{n: len(s.queries), answered: math.NaN(), refused: math.NaN(), precision: math.NaN()}
	start := time.Now()
	var answered, given int
	for _, q := range s.queries {
		ids, conf := r.rank(q.text)
		if len(ids) > 0 && conf >= th {
			given++
		}
		for i, id := range ids {
			if id != q.gold {
				continue
			}
			if i == 0 {
				m.hit1++
				if conf >= th {
					answered++
				}
			}
			m.mrr += 1 / float64(i+1)
			if i < 5 {
				m.ndcg5 += 1 / math.Log2(float64(i+2))
			}
			break
		}
	}
	n := float64(len(s.queries))
	m.hit1, m.mrr, m.ndcg5 = m.hit1/n, m.mrr/n, m.ndcg5/n
	m.answered = float64(answered) / n
	if len(s.oos) > 0 {
		var refused int
		for _, q := range s.oos {
			if ids, conf := r.rank(q.text); len(ids) == 0 || conf < th {
				refused++
			} else {
				given++
			}
		}
		m.refused = float64(refused) / float64(len(s.oos))
	}
	if given > 0 {
		m.precision = float64(answered) / float64(given)
	}
	m.perQuery = time.Since(start) / time.Duration(len(s.queries)+len(s.oos))
	return m
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

// TestEval measures retrieval on the held-out parts of the public datasets, ours
// against bleve on the same splits, and fails if ours does not beat bleve on
// hit@1 and MRR on every set. Every query of every split is run (no sampling).
func TestEval(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation skipped in -short mode")
	}
	dir := datasetsDir(t)
	sets := []evalSet{
		loadTelecom(t, dir, 0),
		loadStackFAQ(t, dir),
		loadBanking77(t, dir, 0),
		loadCLINC150(t, dir, false),
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-20s %-10s %6s %7s %7s %7s %14s %12s %10s %10s\n",
		"dataset", "system", "n", "hit@1", "MRR", "nDCG@5", "in-scope ans.", "oos refused", "ans. right", "µs/query")
	for _, s := range sets {
		our := evaluate(newOurs(s), s, AnswerThreshold)
		base := evaluate(newBleve(t, s, ""), s, math.NaN())
		bm25 := evaluate(newBleve(t, s, "bm25"), s, math.NaN())
		for _, m := range []*metrics{&base, &bm25} {
			m.answered, m.refused, m.precision = math.NaN(), math.NaN(), math.NaN()
		}
		for _, row := range []struct {
			name string
			m    metrics
		}{{"ours", our}, {"bleve", base}, {"bleve-bm25", bm25}} {
			fmt.Fprintf(&table, "%-20s %-10s %6d %7s %7s %7s %14s %12s %10s %10d\n", s.name, row.name, row.m.n,
				pct(row.m.hit1), fmt.Sprintf("%.3f", row.m.mrr), fmt.Sprintf("%.3f", row.m.ndcg5),
				pct(row.m.answered), pct(row.m.refused), pct(row.m.precision), row.m.perQuery.Microseconds())
		}
		if our.hit1 <= base.hit1 {
			t.Errorf("%s: hit@1 %.3f does not beat bleve's %.3f", s.name, our.hit1, base.hit1)
		}
		if our.mrr <= base.mrr {
			t.Errorf("%s: MRR %.3f does not beat bleve's %.3f", s.name, our.mrr, base.mrr)
		}
	}
	fmt.Fprintf(&table, "bleve = bleve v2 default scoring (the baseline asserted against); bleve-bm25 = bleve's BM25 scoring, for reference.\n")
	fmt.Fprintf(&table, "in-scope ans. = top hit right and confidence ≥ AnswerThreshold (%.2f); oos refused (CLINC150 oos_test) = confidence < AnswerThreshold; ans. right = share of answers given that were right.\n", AnswerThreshold)
	t.Log(table.String())
}

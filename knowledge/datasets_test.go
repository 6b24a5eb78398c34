package knowledge

import (
	"slices"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge/knowledgetest"
)

// The public evaluation sets in shared/datasets, loaded by knowledgetest (which
// the bot's decision eval shares) and seen here in the shape this package's
// evaluation and tuning read. Queries with gold 0 are out of scope.

type evalQuery struct {
	text string
	gold int64  // 0: out of scope, nothing should be answered
	lang string // when the set has both languages
}

type evalSet struct {
	name    string
	lang    string
	kb      []*gridline.Article
	queries []evalQuery // in scope
	oos     []evalQuery // out of scope (CLINC150 only)
	syn     *Synonyms   // applied before the articles are indexed; nil: none
}

func fromSet(s knowledgetest.Set) evalSet {
	qs := func(in []knowledgetest.Query) []evalQuery {
		out := make([]evalQuery, len(in))
		for i, q := range in {
			out[i] = evalQuery{text: q.Text, gold: q.Gold}
		}
		return out
	}
	return evalSet{name: s.Name, lang: s.Lang, kb: s.KB, queries: qs(s.Queries), oos: qs(s.OOS)}
}

func datasetsDir(t testing.TB) string { return knowledgetest.Dir(t) }

func loadTelecom(t testing.TB, dir string, holdout int) evalSet {
	return fromSet(knowledgetest.Telecom(t, dir, holdout))
}

func loadStackFAQ(t testing.TB, dir string) evalSet { return fromSet(knowledgetest.StackFAQ(t, dir)) }

func loadBanking77(t testing.TB, dir string, holdout int) evalSet {
	return fromSet(knowledgetest.Banking77(t, dir, holdout))
}

func loadCLINC150(t testing.TB, dir string, validation bool) evalSet {
	return fromSet(knowledgetest.CLINC150(t, dir, validation))
}

// sample keeps at most n queries, evenly spaced, so that runs are deterministic.
func sample(qs []evalQuery, n int) []evalQuery {
	if n <= 0 || len(qs) <= n {
		return qs
	}
	out := make([]evalQuery, 0, n)
	for i := range n {
		out = append(out, qs[i*len(qs)/n])
	}
	return slices.Clip(out)
}

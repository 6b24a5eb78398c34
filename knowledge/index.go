package knowledge

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/gridline/gridline"
)

// The fields an article is indexed by. A query word in the title or the tags says
// far more about what an article is for than the same word somewhere in its body.
const (
	fieldTitle = iota
	fieldTags
	fieldBody
	numFields
)

// BM25F parameters. k1 is how quickly repeating a word stops adding to the score;
// b is how much a long field is penalised. Titles and tags are short and written
// to name the topic, so they get high boosts and little length normalisation.
const (
	bm25K1 = 1.2
)

var (
	fieldBoost = [numFields]float64{fieldTitle: 3, fieldTags: 2.5, fieldBody: 1}
	fieldB     = [numFields]float64{fieldTitle: 0.3, fieldTags: 0.3, fieldBody: 0.75}
)

// defaultLimit is how many hits a search returns when SearchOptions.Limit is zero.
const defaultLimit = 5

// Index is an in-memory ranked index of articles (BM25F over title, tags and
// body), updated incrementally on every edit. It is safe for concurrent use: many
// searches run at once, writers wait for them. Articles it returns are its own
// copies and must not be modified.
type Index struct {
	mu       sync.RWMutex
	slots    []*indexedDoc // by slot; nil when free
	free     []int32
	byID     map[int64]int32
	postings map[string][]posting
	totalLen [numFields]float64
	live     int
}

type indexedDoc struct {
	article *gridline.Article
	length  [numFields]float64
	terms   []string // unique terms, to remove the postings again
}

type posting struct {
	slot int32
	tf   [numFields]float32
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[int64]int32{}, postings: map[string][]posting{}}
}

// Len returns the number of articles held, drafts included.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Get returns the indexed copy of an article, or nil when it is not held.
func (ix *Index) Get(id int64) *gridline.Article {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if slot, ok := ix.byID[id]; ok {
		return ix.slots[slot].article
	}
	return nil
}

// Put adds a or replaces the article with its ID. Drafts are held too, so that an
// admin can search them, but are skipped by ordinary searches.
func (ix *Index) Put(a *gridline.Article) {
	d := newIndexedDoc(a) // analysis runs outside the lock
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(a.ID)
	var slot int32
	if n := len(ix.free); n > 0 {
		slot, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.slots[slot] = d.doc
	} else {
		slot = int32(len(ix.slots))
		ix.slots = append(ix.slots, d.doc)
	}
	ix.byID[a.ID] = slot
	for t, tf := range d.tf {
		ix.postings[t] = append(ix.postings[t], posting{slot: slot, tf: tf})
	}
	for f := range numFields {
		ix.totalLen[f] += d.doc.length[f]
	}
	ix.live++
}

// Delete removes an article; deleting one not held does nothing.
func (ix *Index) Delete(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
}

func (ix *Index) remove(id int64) {
	slot, ok := ix.byID[id]
	if !ok {
		return
	}
	d := ix.slots[slot]
	for _, t := range d.terms {
		ps := ix.postings[t]
		if i := slices.IndexFunc(ps, func(p posting) bool { return p.slot == slot }); i >= 0 {
			ps[i] = ps[len(ps)-1]
			ps = ps[:len(ps)-1]
		}
		if len(ps) == 0 {
			delete(ix.postings, t)
		} else {
			ix.postings[t] = ps
		}
	}
	for f := range numFields {
		ix.totalLen[f] -= d.length[f]
	}
	ix.slots[slot] = nil
	ix.free = append(ix.free, slot)
	delete(ix.byID, id)
	ix.live--
}

type analysedDoc struct {
	doc *indexedDoc
	tf  map[string][numFields]float32
}

func newIndexedDoc(a *gridline.Article) analysedDoc {
	c := *a
	c.Tags = slices.Clone(a.Tags)
	d := &indexedDoc{article: &c}
	tf := map[string][numFields]float32{}
	texts := [numFields]string{
		fieldTitle: a.Title,
		fieldTags:  strings.Join(a.Tags, " \n "),
		fieldBody:  a.Body,
	}
	for f, text := range texts {
		analyze(text, func(t string) {
			v := tf[t]
			v[f]++
			tf[t] = v
			d.length[f]++
		})
	}
	d.terms = make([]string, 0, len(tf))
	for t := range tf {
		d.terms = append(d.terms, t)
	}
	return analysedDoc{doc: d, tf: tf}
}

// scored is one candidate of a search with the figures its confidence comes from.
type scored struct {
	slot  int32
	score float64
	// covered is the IDF-weighted share of the query's terms found in the article.
	covered float64
	// norm is the score over the query's maximum attainable score.
	norm float64
	// margin is (score - best other score) / score: positive only for the top hit.
	margin float64
}

// queryTerm is one distinct term of a query with its summed weight.
type queryTerm struct {
	text   string
	weight float64
}

func queryTerms(query string) []queryTerm {
	var qs []queryTerm
	analyze(query, func(t string) {
		w := termWeight(t)
		for i := range qs {
			if qs[i].text == t {
				qs[i].weight += w
				return
			}
		}
		qs = append(qs, queryTerm{text: t, weight: w})
	})
	return qs
}

// Search returns the articles that best answer query, best first, with a
// confidence for each (see Hit). An empty or all-stop-word query finds nothing.
func (ix *Index) Search(query string, opts SearchOptions) []Hit {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	top := ix.search(query, opts)
	hits := make([]Hit, len(top))
	for i, s := range top {
		hits[i] = Hit{
			Article:    ix.slots[s.slot].article,
			Score:      s.score,
			Confidence: confidence(s),
		}
	}
	return hits
}

// search ranks under the read lock and returns up to the limit of candidates.
func (ix *Index) search(query string, opts SearchOptions) []scored {
	qs := queryTerms(query)
	if len(qs) == 0 || ix.live == 0 {
		return nil
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	n := float64(ix.live)
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(ix.totalLen[f]/n, 1)
	}
	type acc struct{ score, covered float64 }
	accs := map[int32]*acc{}
	var maxScore, maxCover float64
	for _, q := range qs {
		ps := ix.postings[q.text]
		df := float64(len(ps))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		maxScore += q.weight * idf * (bm25K1 + 1)
		maxCover += q.weight * idf
		for _, p := range ps {
			d := ix.slots[p.slot]
			if !ix.admit(d, opts) {
				continue
			}
			var tf float64
			for f := range numFields {
				if p.tf[f] > 0 {
					tf += fieldBoost[f] * float64(p.tf[f]) / (1 - fieldB[f] + fieldB[f]*d.length[f]/avg[f])
				}
			}
			a := accs[p.slot]
			if a == nil {
				a = &acc{}
				accs[p.slot] = a
			}
			a.score += q.weight * idf * tf * (bm25K1 + 1) / (bm25K1 + tf)
			a.covered += q.weight * idf
		}
	}
	if len(accs) == 0 {
		return nil
	}
	all := make([]scored, 0, len(accs))
	for slot, a := range accs {
		all = append(all, scored{slot: slot, score: a.score, covered: a.covered / maxCover, norm: a.score / maxScore})
	}
	// Best first; equal scores by article ID so results are stable.
	slices.SortFunc(all, func(x, y scored) int {
		if x.score != y.score {
			if x.score > y.score {
				return -1
			}
			return 1
		}
		return cmpInt64(ix.slots[x.slot].article.ID, ix.slots[y.slot].article.ID)
	})
	if len(all) > limit {
		all = all[:limit]
	}
	for i := range all {
		var other float64
		if i == 0 {
			if len(all) > 1 {
				other = all[1].score
			}
		} else {
			other = all[0].score
		}
		all[i].margin = (all[i].score - other) / all[i].score
	}
	return all
}

func (ix *Index) admit(d *indexedDoc, opts SearchOptions) bool {
	if d.article.Status != gridline.ArticlePublished && !opts.IncludeDrafts {
		return false
	}
	return opts.Lang == "" || d.article.Lang == opts.Lang
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

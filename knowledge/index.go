package knowledge

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gridline/gridline"
)

// The fields an article is indexed by. A query word in the title or the tags says
// far more about what an article is for than the same word somewhere in its body;
// its questions (phrasings) are customers' own words for it, as telling as the
// title.
const (
	fieldTitle = iota
	fieldTags
	fieldBody
	fieldQuestions
	numFields
)

// rankParams are the BM25F parameters. k1 is how quickly repeating a word stops
// adding to the score; b is how much a long field is penalised. Titles and tags
// are short and written to name the topic, so they get high boosts and little
// length normalisation. An article is also scored by its best passage (a line or
// paragraph of the body), because an article answers a question when one part
// of it does, however long the rest is; passageWeight is that score's share.
// The values were chosen with TestTune on the validation splits only.
type rankParams struct {
	k1            float64
	boost, b      [numFields]float64
	passageWeight float64
	passageB      float64
	// passageUnigrams scores passages by single Chinese characters too. They
	// are the densest postings of all and add little to a passage's score.
	passageUnigrams bool
	// unigramWeight and phraseWeight weigh query terms (see the constants).
	unigramWeight, phraseWeight float64
}

func defaultRankParams() rankParams {
	return rankParams{
		k1:            1.6,
		boost:         [numFields]float64{fieldTitle: 3, fieldTags: 2.5, fieldBody: 1, fieldQuestions: 2},
		b:             [numFields]float64{fieldTitle: 0.3, fieldTags: 0.3, fieldBody: 0.75, fieldQuestions: 0.5},
		passageWeight: 1,
		passageB:      0.7,
		unigramWeight: unigramWeight,
		phraseWeight:  phraseWeight,
	}
}

// defaultLimit is how many hits a search returns when SearchOptions.Limit is zero.
const defaultLimit = 5

// Index is an in-memory ranked index of articles (BM25F over title, tags and
// body, plus the best passage of the body), updated incrementally on every edit.
// It is safe for concurrent use: many searches run at once, writers wait for
// them. Articles it returns are its own copies and must not be modified.
type Index struct {
	p        rankParams
	mu       sync.RWMutex
	slots    []*indexedDoc // by slot; nil when free
	free     []int32
	byID     map[int64]int32
	postings map[string][]posting
	passages map[string][]passagePosting
	deleted  map[int64]struct{} // IDs deleted, refused by putNewer
	totalLen [numFields]float64
	// passageCount and passageLen give the average passage length.
	passageCount, passageLen float64
	// passageCap is the number of passage numbers handed out (see indexedDoc.passBase).
	passageCap int32
	live       int
	scratch    sync.Pool // of *scratch, per-search accumulators
	// syn is the synonym table articles and queries are analysed with; synMu
	// keeps writers from indexing an article with a table SetSynonyms is
	// replacing (searches only load syn).
	syn      atomic.Pointer[synonymTable]
	synonyms atomic.Pointer[Synonyms]
	synMu    sync.RWMutex
}

// scratch holds one search's accumulators, reused between searches because a
// fresh set per query would cost more than the ranking itself.
type scratch struct {
	doc, covered, passage []float64
	docs, passages        []int32
}

type indexedDoc struct {
	article *gridline.Article
	length  [numFields]float64
	passLen []float32
	// passBase numbers the article's passages passBase, passBase+1, … among all
	// passages, so that a search accumulates them in one dense array.
	passBase int32
	terms    []string // unique terms, to remove the postings again
}

type posting struct {
	slot int32
	tf   [numFields]float32
}

type passagePosting struct {
	slot, passage int32
	tf            float32
}

// NewIndex returns an empty index.
func NewIndex() *Index { return newIndex(defaultRankParams()) }

func newIndex(p rankParams) *Index {
	return &Index{p: p, byID: map[int64]int32{}, postings: map[string][]posting{},
		passages: map[string][]passagePosting{}, deleted: map[int64]struct{}{}}
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

// ids returns the IDs of every article held.
func (ix *Index) ids() []int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]int64, 0, len(ix.byID))
	for id := range ix.byID {
		out = append(out, id)
	}
	return out
}

// Put adds a or replaces the article with its ID, so a must have the ID the
// store gave it. Drafts are held too, so that an admin can search them, but are
// skipped by ordinary searches.
func (ix *Index) Put(a *gridline.Article) { ix.put(a, false) }

// putNewer is Put unless the index holds the article at a later version, or at
// the same version and time: a refresh that read the store before an edit must
// not undo the edit. It reports whether it put a.
func (ix *Index) putNewer(a *gridline.Article) bool {
	if cur := ix.Get(a.ID); cur != nil && !newer(a, cur) {
		return false // the cheap check first: most refreshes change nothing
	}
	return ix.put(a, true)
}

// putAllNewer is putNewer for many articles at once, analysing them on every
// CPU: it is how Load rebuilds the index at start.
func (ix *Index) putAllNewer(as []*gridline.Article) {
	workers := min(runtime.GOMAXPROCS(0), len(as)/64+1)
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(as)); i = next.Add(1) - 1 {
				ix.putNewer(as[i])
			}
		})
	}
	wg.Wait()
}

// newer reports whether a is a later state of the article than cur.
func newer(a, cur *gridline.Article) bool {
	return a.Version > cur.Version || (a.Version == cur.Version && !a.UpdatedAt.Equal(cur.UpdatedAt))
}

func (ix *Index) put(a *gridline.Article, onlyNewer bool) bool {
	ix.synMu.RLock()
	defer ix.synMu.RUnlock()
	d := newAnalysedDoc(a, ix.syn.Load()) // analysis runs outside the lock
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if onlyNewer {
		if _, gone := ix.deleted[a.ID]; gone {
			return false
		}
		if slot, ok := ix.byID[a.ID]; ok && !newer(a, ix.slots[slot].article) {
			return false
		}
	}
	delete(ix.deleted, a.ID)
	ix.insert(d, a.ID)
	return true
}

// insert puts an analysed article in place of the one with its ID, under the
// write lock.
func (ix *Index) insert(d analysedDoc, id int64) {
	ix.remove(id)
	var slot int32
	if n := len(ix.free); n > 0 {
		slot, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.slots[slot] = d.doc
	} else {
		slot = int32(len(ix.slots))
		ix.slots = append(ix.slots, d.doc)
	}
	ix.byID[id] = slot
	if int(ix.passageCap)+len(d.doc.passLen) > 2*int(ix.passageCount)+4096 {
		ix.renumberPassages()
	}
	d.doc.passBase = ix.passageCap
	ix.passageCap += int32(len(d.doc.passLen))
	for t, tf := range d.tf {
		ix.postings[t] = append(ix.postings[t], posting{slot: slot, tf: tf})
	}
	for _, pt := range d.passageTF {
		ix.passages[pt.term] = append(ix.passages[pt.term], passagePosting{slot: slot, passage: pt.passage, tf: pt.tf})
	}
	for f := range numFields {
		ix.totalLen[f] += d.doc.length[f]
	}
	for _, l := range d.doc.passLen {
		ix.passageLen += float64(l)
	}
	ix.passageCount += float64(len(d.doc.passLen))
	ix.live++
}

// SetSynonyms makes s the synonyms articles and queries are analysed with and
// analyses every held article again, so that both sides agree; it takes about
// as long as building the index (a fifth of a second per 1,000 articles).
func (ix *Index) SetSynonyms(s Synonyms) {
	s = s.Tidy()
	ix.synMu.Lock()
	defer ix.synMu.Unlock()
	ix.syn.Store(compileSynonyms(s))
	ix.synonyms.Store(&s)
	ix.mu.RLock()
	as := make([]*gridline.Article, 0, ix.live)
	for _, d := range ix.slots {
		if d != nil {
			as = append(as, d.article)
		}
	}
	ix.mu.RUnlock()
	syn := ix.syn.Load()
	for _, a := range as {
		d := newAnalysedDoc(a, syn)
		ix.mu.Lock()
		if slot, ok := ix.byID[a.ID]; ok && ix.slots[slot].article == a {
			ix.insert(d, a.ID)
		}
		ix.mu.Unlock()
	}
}

// Canonical returns text with each synonym word replaced by the first word of
// its set (lower-cased), or text unchanged when there are no synonyms: for
// checks that read words rather than index terms, such as the bot's coverage.
func (ix *Index) Canonical(text string) string {
	if t := ix.syn.Load(); t != nil {
		return t.canonical(text)
	}
	return text
}

// Synonyms returns the synonyms the index analyses with (none until SetSynonyms).
func (ix *Index) Synonyms() Synonyms {
	if s := ix.synonyms.Load(); s != nil {
		return *s
	}
	return Synonyms{Sets: [][]string{}}
}

// renumberPassages closes the gaps deleted articles left in passage numbers.
func (ix *Index) renumberPassages() {
	ix.passageCap = 0
	for _, d := range ix.slots {
		if d != nil {
			d.passBase = ix.passageCap
			ix.passageCap += int32(len(d.passLen))
		}
	}
}

// Delete removes an article; deleting one not held does nothing. The ID is
// remembered, so that a refresh that read the store before the delete does not
// bring the article back (IDs are never reused).
func (ix *Index) Delete(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
	ix.deleted[id] = struct{}{}
}

func (ix *Index) remove(id int64) {
	slot, ok := ix.byID[id]
	if !ok {
		return
	}
	d := ix.slots[slot]
	for _, t := range d.terms {
		if ps := ix.postings[t]; len(ps) > 0 {
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
		if ps := ix.passages[t]; len(ps) > 0 {
			ps = slices.DeleteFunc(ps, func(p passagePosting) bool { return p.slot == slot })
			if len(ps) == 0 {
				delete(ix.passages, t)
			} else {
				ix.passages[t] = ps
			}
		}
	}
	for f := range numFields {
		ix.totalLen[f] -= d.length[f]
	}
	for _, l := range d.passLen {
		ix.passageLen -= float64(l)
	}
	ix.passageCount -= float64(len(d.passLen))
	ix.slots[slot] = nil
	ix.free = append(ix.free, slot)
	delete(ix.byID, id)
	ix.live--
}

type analysedDoc struct {
	doc       *indexedDoc
	tf        map[string][numFields]float32
	passageTF []passageTerm
}

type passageTerm struct {
	term    string
	passage int32
	tf      float32
}

func newAnalysedDoc(a *gridline.Article, syn *synonymTable) analysedDoc {
	c := *a
	c.Tags = slices.Clone(a.Tags)
	c.Questions = slices.Clone(a.Questions)
	d := &indexedDoc{article: &c}
	tf := make(map[string][numFields]float32, len(a.Body)/8+16)
	count := func(f int) func(string) {
		return func(t string) {
			v := tf[t]
			v[f]++
			tf[t] = v
			d.length[f]++
		}
	}
	analyze(a.Title, syn, count(fieldTitle))
	analyze(strings.Join(a.Tags, " \n "), syn, count(fieldTags))
	var pts []passageTerm
	// Each body line and each question is a passage: a question an article
	// lists is the best passage for a customer who asks it.
	countBody, countQuestion := count(fieldBody), count(fieldQuestions)
	lines := bodyPassages(a.Body)
	nBody := len(lines)
	lines = append(lines, a.Questions...)
	for i, line := range lines {
		start, n := len(pts), 0
		countField := countBody
		if i >= nBody {
			countField = countQuestion
		}
		analyze(line, syn, func(t string) {
			countField(t)
			n++
			for i := start; i < len(pts); i++ {
				if pts[i].term == t {
					pts[i].tf++
					return
				}
			}
			pts = append(pts, passageTerm{term: t, passage: int32(len(d.passLen)), tf: 1})
		})
		if n > 0 {
			d.passLen = append(d.passLen, float32(n))
		}
	}
	d.terms = make([]string, 0, len(tf))
	for t := range tf {
		d.terms = append(d.terms, t)
	}
	return analysedDoc{doc: d, tf: tf, passageTF: pts}
}

// bodyPassages cuts a body into the parts an answer may come from: its lines
// (markdown paragraphs, list items, one example question per line).
func bodyPassages(body string) []string {
	var out []string
	for line := range strings.Lines(body) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// scored is one candidate of a search with the figures its confidence comes from.
type scored struct {
	slot  int32
	score float64
	// covered is the IDF-weighted share of the query's terms found in the article.
	covered float64
	// norm is the score over the query's maximum attainable score.
	norm float64
	// margin is (score - best other score) over the query's maximum attainable
	// score: positive only for the top hit.
	margin float64
}

// queryTerm is one distinct term of a query with its summed weight.
type queryTerm struct {
	text    string
	weight  float64
	unigram bool
}

func queryTerms(query string, p *rankParams, syn *synonymTable) []queryTerm {
	var qs []queryTerm
	at := map[string]int{} // a long message repeats terms; keep lookups linear
	analyze(query, syn, func(t string) {
		w := weightOf(t, p.unigramWeight, p.phraseWeight)
		if i, ok := at[t]; ok {
			qs[i].weight += w
			return
		}
		at[t] = len(qs)
		qs = append(qs, queryTerm{text: t, weight: w, unigram: isUnigram(t)})
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
	qs := queryTerms(query, &ix.p, ix.syn.Load())
	if len(qs) == 0 || ix.live == 0 {
		return nil
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	p := &ix.p
	n := float64(ix.live)
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(ix.totalLen[f]/n, 1)
	}
	avgPassage := max(ix.passageLen/max(ix.passageCount, 1), 1)

	sc := ix.getScratch()
	defer ix.scratch.Put(sc)
	docScore, covered, passScore := sc.doc, sc.covered, sc.passage
	var maxScore, maxCover float64
	for _, q := range qs {
		ps := ix.postings[q.text]
		df := float64(len(ps))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		maxScore += q.weight * idf * (p.k1 + 1)
		maxCover += q.weight * idf
		for _, pst := range ps {
			d := ix.slots[pst.slot]
			if !admit(d, opts) {
				continue
			}
			var tf float64
			for f := range numFields {
				if pst.tf[f] > 0 {
					tf += p.boost[f] * float64(pst.tf[f]) / (1 - p.b[f] + p.b[f]*d.length[f]/avg[f])
				}
			}
			if covered[pst.slot] == 0 {
				sc.docs = append(sc.docs, pst.slot)
			}
			docScore[pst.slot] += q.weight * idf * tf * (p.k1 + 1) / (p.k1 + tf)
			covered[pst.slot] += q.weight * idf
		}
		if p.passageWeight == 0 || (!p.passageUnigrams && q.unigram) {
			continue
		}
		for _, pp := range ix.passages[q.text] {
			d := ix.slots[pp.slot]
			if !admit(d, opts) {
				continue
			}
			tf := float64(pp.tf) / (1 - p.passageB + p.passageB*float64(d.passLen[pp.passage])/avgPassage)
			g := d.passBase + pp.passage
			if passScore[g] == 0 {
				sc.passages = append(sc.passages, g)
			}
			passScore[g] += q.weight * idf * tf * (p.k1 + 1) / (p.k1 + tf)
		}
	}
	if len(sc.docs) == 0 {
		return nil
	}
	// Keep the best, best first; equal scores by article ID so results are
	// stable. At least two are kept, as the top hit's margin needs the runner-up.
	keep := max(limit, 2)
	top := make([]scored, 0, keep+1)
	total := maxScore * (1 + p.passageWeight)
	for _, slot := range sc.docs {
		d := ix.slots[slot]
		var best float64
		for _, v := range passScore[d.passBase : d.passBase+int32(len(d.passLen))] {
			best = max(best, v)
		}
		c := scored{slot: slot, score: docScore[slot] + p.passageWeight*best, covered: covered[slot] / maxCover}
		if len(top) == keep && !ix.better(c, top[keep-1]) {
			continue
		}
		i := len(top)
		for i > 0 && ix.better(c, top[i-1]) {
			i--
		}
		top = slices.Insert(top, i, c)
		if len(top) > keep {
			top = top[:keep]
		}
	}
	for i := range top {
		var other float64
		if i == 0 {
			if len(top) > 1 {
				other = top[1].score
			}
		} else {
			other = top[0].score
		}
		top[i].norm = top[i].score / total
		// The margin is measured against the query's maximum attainable score, not
		// the top score: a weak match is not made sure by having no rival.
		top[i].margin = (top[i].score - other) / total
	}
	if len(top) > limit {
		top = top[:limit]
	}
	return top
}

// better orders candidates: higher score first, then lower article ID.
func (ix *Index) better(x, y scored) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return ix.slots[x.slot].article.ID < ix.slots[y.slot].article.ID
}

// getScratch returns zeroed accumulators sized for the index as it is now (the
// caller holds the read lock) and clears what the previous search touched.
func (ix *Index) getScratch() *scratch {
	sc, _ := ix.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	for _, i := range sc.docs {
		sc.doc[i], sc.covered[i] = 0, 0
	}
	for _, i := range sc.passages {
		sc.passage[i] = 0
	}
	sc.docs, sc.passages = sc.docs[:0], sc.passages[:0]
	if n := len(ix.slots); len(sc.doc) < n {
		sc.doc, sc.covered = make([]float64, n), make([]float64, n)
	}
	if n := int(ix.passageCap); len(sc.passage) < n {
		sc.passage = make([]float64, n)
	}
	return sc
}

func admit(d *indexedDoc, opts SearchOptions) bool {
	if d.article.Status != gridline.ArticlePublished && !opts.IncludeDrafts {
		return false
	}
	return opts.Lang == "" || d.article.Lang == opts.Lang
}

package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gridline/gridline"
)

// Service is the knowledge base as the rest of Gridline uses it: every write goes
// to the store, then into this replica's index, then out on the switchboard so
// that every other replica refreshes its own index (Run). Board may be nil (a
// command-line import with no server running); Logger nil means no logs.
type Service struct {
	Store  gridline.Store
	Index  *Index
	Board  gridline.Switchboard
	Logger *slog.Logger
	// Vectors, when set, adds meaning to the words: articles are embedded as they
	// change and SearchContext fuses the nearest ones into the ranking.
	Vectors *Vectors
	// Resync is how often Run reloads the whole index from the store, to heal
	// any change event the switchboard lost (delivery is best effort). Zero means
	// 10 minutes; negative turns it off.
	Resync time.Duration
}

// ImportError is what is wrong with one row of an import: its index in the
// array, the field (JSON name) and a message.
type ImportError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// bulkImport is the size of import above which one "reload everything" event
// is published instead of one event per article.
const bulkImport = 50

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Load rebuilds the index from the store: the synonyms, then every article,
// drafts included, is put and any article the store no longer has is dropped.
func (s *Service) Load(ctx context.Context) error {
	// Synonyms first: on an empty index they cost nothing, and the articles are
	// then analysed once, with them.
	if err := s.loadSynonyms(ctx); err != nil {
		return err
	}
	// Only articles indexed before the list was read may be dropped: one created
	// meanwhile is missing from the list but not from the store.
	before := s.Index.ids()
	as, err := s.Store.ListArticles(ctx, gridline.ArticleFilter{})
	if err != nil {
		return fmt.Errorf("knowledge: load articles: %w", err)
	}
	keep := make(map[int64]bool, len(as))
	for _, a := range as {
		keep[a.ID] = true
	}
	// Every change bumps the version, so an article indexed at its current
	// version is skipped (a resync costs a list, not a rebuild), and one indexed
	// at a later version, by an edit made meanwhile, is kept.
	s.Index.putAllNewer(as)
	for _, id := range before {
		if !keep[id] {
			s.Index.Delete(id)
		}
	}
	s.syncVectors(ctx, as, true) // also forgets the vectors of deleted articles
	return nil
}

// synonymsKey is the setting the synonyms are kept in, as JSON.
const synonymsKey = "knowledge.synonyms"

// loadSynonyms reads the stored synonyms and, when they differ from the
// index's, analyses the index again with them.
func (s *Service) loadSynonyms(ctx context.Context) error {
	raw, err := s.Store.Setting(ctx, synonymsKey)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		raw = `{"sets":[]}`
	} else if err != nil {
		return fmt.Errorf("knowledge: load synonyms: %w", err)
	}
	var syn Synonyms
	if err := json.Unmarshal([]byte(raw), &syn); err != nil {
		return fmt.Errorf("knowledge: stored synonyms: %w", err)
	}
	cur, _ := json.Marshal(s.Index.Synonyms())
	if next, _ := json.Marshal(syn.Tidy()); string(next) != string(cur) {
		s.Index.SetSynonyms(syn)
	}
	return nil
}

// Canonical is Index.Canonical.
func (s *Service) Canonical(text string) string { return s.Index.Canonical(text) }

// Synonyms returns the synonyms retrieval applies now.
func (s *Service) Synonyms() Synonyms { return s.Index.Synonyms() }

// SetSynonyms replaces the synonyms: tidied (see Synonyms.Tidy), checked,
// stored, applied to this replica's index and announced, so that every
// replica answers with them from the next question on. Returns EINVALID.
func (s *Service) SetSynonyms(ctx context.Context, syn Synonyms) (Synonyms, error) {
	syn = syn.Tidy()
	if err := syn.Validate(); err != nil {
		return Synonyms{}, err
	}
	raw, err := json.Marshal(syn)
	if err != nil {
		return Synonyms{}, fmt.Errorf("knowledge: synonyms: %w", err)
	}
	if err := s.Store.SetSetting(ctx, synonymsKey, string(raw)); err != nil {
		return Synonyms{}, fmt.Errorf("knowledge: store synonyms: %w", err)
	}
	s.Index.SetSynonyms(syn)
	if s.Board != nil {
		if err := s.Board.Publish(ctx, gridline.TopicKnowledge, gridline.NewEvent(gridline.EventSynonyms, "", struct{}{})); err != nil {
			s.log().Warn("knowledge: publish synonyms change", "err", err)
		}
	}
	return syn, nil
}

// SeedSynonyms stores syn when no synonyms were ever set, and reports whether
// it did: how the starter set arrives. Synonyms an admin emptied stay empty.
func (s *Service) SeedSynonyms(ctx context.Context, syn Synonyms) (bool, error) {
	_, err := s.Store.Setting(ctx, synonymsKey)
	if err == nil {
		return false, nil
	} else if gridline.ErrorCode(err) != gridline.ENOTFOUND {
		return false, fmt.Errorf("knowledge: read synonyms: %w", err)
	}
	if _, err := s.SetSynonyms(ctx, syn); err != nil {
		return false, err
	}
	return true, nil
}

// vectorSyncTimeout bounds embedding changed articles during a write.
const vectorSyncTimeout = 20 * time.Second

// syncVectors embeds changed articles when hybrid retrieval is on. A failure
// only leaves those articles to the word index until the next sync.
func (s *Service) syncVectors(ctx context.Context, as []*gridline.Article, all bool) {
	if s.Vectors == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, vectorSyncTimeout)
	defer cancel()
	if err := s.Vectors.Sync(ctx, as, all); err != nil {
		s.log().Warn("knowledge: embedding articles failed; they are found by words only until the next sync", "err", err)
	}
}

// normalise validates a and tidies it in place (trimmed title, lower-case tags,
// draft when no status is given). Returns EINVALID with Fields.
func normalise(a *gridline.Article, defaultStatus string) error {
	if a.Status == "" {
		a.Status = defaultStatus
	}
	in := InputOf(a)
	if err := in.Validate(); err != nil {
		return err
	}
	a.Title, a.Tags, a.Questions = in.Title, in.Tags, in.Questions
	return nil
}

// Create validates and stores a new article (a draft unless Status says
// published), indexes it and tells the other replicas. Returns EINVALID, or
// ECONFLICT when the slug is taken.
func (s *Service) Create(ctx context.Context, a *gridline.Article, by string) error {
	if err := normalise(a, gridline.ArticleDraft); err != nil {
		return err
	}
	a.UpdatedBy = by
	if err := s.Store.CreateArticle(ctx, a); err != nil {
		return err
	}
	s.Index.Put(a)
	s.syncVectors(ctx, []*gridline.Article{a}, false)
	s.publish(ctx, a.ID, false)
	return nil
}

// Update validates and saves an edit of the article a.ID; an empty Status keeps
// the stored one. expectVersion is the version the editor started from; when someone saved in between it returns
// ECONFLICT and writes nothing (zero skips the check). Returns EINVALID,
// ENOTFOUND, ECONFLICT.
func (s *Service) Update(ctx context.Context, a *gridline.Article, expectVersion int, by string) error {
	if a.Status == "" {
		// An edit that does not say otherwise keeps the article's status: saving
		// a typo fix must not unpublish it.
		cur, err := s.Store.Article(ctx, a.ID)
		if err != nil {
			return err
		}
		a.Status = cur.Status
	}
	if err := normalise(a, gridline.ArticleDraft); err != nil {
		return err
	}
	a.UpdatedBy = by
	if err := s.Store.UpdateArticle(ctx, a, expectVersion); err != nil {
		return err
	}
	s.Index.Put(a)
	s.syncVectors(ctx, []*gridline.Article{a}, false)
	s.publish(ctx, a.ID, false)
	return nil
}

// AddQuestion adds q to the article's phrasings (unless it has it already, in
// which case nothing is written) as a new version, indexed and announced like
// any edit, so the next customer who asks q finds the article. Returns
// ENOTFOUND, and EINVALID when q is blank or too long or the article already
// has MaxQuestions phrasings.
func (s *Service) AddQuestion(ctx context.Context, articleID int64, q, by string) (*gridline.Article, error) {
	// An edit saved between the read and the write is not overwritten: the
	// phrasing is added to the newer version instead.
	for attempt := 0; ; attempt++ {
		a, err := s.Store.Article(ctx, articleID)
		if err != nil {
			return nil, err
		}
		if HasQuestion(a, q) {
			return a, nil
		}
		if len(a.Questions) >= MaxQuestions {
			return nil, &gridline.Error{Code: gridline.EINVALID,
				Message: fmt.Sprintf("article %q already has %d questions; remove some first", a.Slug, MaxQuestions),
				Fields:  map[string]string{"questions": fmt.Sprintf("at most %d", MaxQuestions)}}
		}
		a.Questions = append(a.Questions, q)
		err = s.Update(ctx, a, a.Version, by)
		if gridline.ErrorCode(err) == gridline.ECONFLICT && attempt < 2 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return a, nil
	}
}

// ResolveUnanswered links an unanswered question to the article that answers
// it and teaches retrieval the customer's wording: the question becomes one of
// the article's phrasings (AddQuestion) before it is marked resolved. Returns
// ENOTFOUND for an unknown question, EINVALID (field article_id) for an
// unknown article, and AddQuestion's EINVALID.
func (s *Service) ResolveUnanswered(ctx context.Context, id, articleID int64, by string) error {
	u, err := s.Store.UnansweredQuestion(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.AddQuestion(ctx, articleID, u.Text, by); err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return &gridline.Error{Code: gridline.EINVALID, Message: "no such article", Fields: map[string]string{"article_id": "no such article"}}
		}
		return err
	}
	return s.Store.ResolveUnanswered(ctx, id, articleID)
}

// Delete removes an article and its history. Returns ENOTFOUND.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if err := s.Store.DeleteArticle(ctx, id); err != nil {
		return err
	}
	s.Index.Delete(id)
	if s.Vectors != nil {
		s.Vectors.Drop(id)
	}
	s.publish(ctx, id, true)
	return nil
}

// Import upserts articles by slug. Every row is validated first and, if any is
// bad, errs lists every problem (with err an EINVALID error) and nothing is
// written; otherwise all rows are written in one transaction, or none is. Rows
// without a status are imported as published: imports carry finished content.
func (s *Service) Import(ctx context.Context, as []*gridline.Article, by string) (errs []ImportError, err error) {
	fields := map[string]string{}
	slugs := make(map[string]int, len(as))
	for i, a := range as {
		if a == nil {
			errs = append(errs, ImportError{Index: i, Field: "article", Message: "is empty"})
			continue
		}
		if err := normalise(a, gridline.ArticlePublished); err != nil {
			for f, msg := range err.(*gridline.Error).Fields {
				errs = append(errs, ImportError{Index: i, Field: f, Message: msg})
			}
			continue
		}
		if j, dup := slugs[a.Slug]; dup {
			errs = append(errs, ImportError{Index: i, Field: "slug", Message: "repeats row " + strconv.Itoa(j)})
			continue
		}
		slugs[a.Slug] = i
		a.UpdatedBy = by
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fields[strconv.Itoa(e.Index)+"."+e.Field] = e.Message
		}
		return errs, &gridline.Error{Code: gridline.EINVALID,
			Message: fmt.Sprintf("%d problem(s) in the import; nothing was written", len(errs)), Fields: fields}
	}
	if err := s.Store.ImportArticles(ctx, as); err != nil {
		return nil, err
	}
	for _, a := range as {
		s.Index.Put(a)
	}
	s.syncVectors(ctx, as, false)
	if len(as) > bulkImport {
		s.publish(ctx, 0, false) // other replicas reload once instead of refetching each row
	} else {
		for _, a := range as {
			s.publish(ctx, a.ID, false)
		}
	}
	return nil, nil
}

// Export returns every article, drafts included, ordered by ID: the import
// format, so an export imports back unchanged.
func (s *Service) Export(ctx context.Context) ([]*gridline.Article, error) {
	return s.Store.ListArticles(ctx, gridline.ArticleFilter{})
}

// SeedIfEmpty imports as when the store has no articles at all, and reports
// whether it did. It is how the starter knowledge base arrives on first start.
func (s *Service) SeedIfEmpty(ctx context.Context, as []*gridline.Article) (bool, error) {
	have, err := s.Store.ListArticles(ctx, gridline.ArticleFilter{})
	if err != nil {
		return false, fmt.Errorf("knowledge: list articles: %w", err)
	}
	if len(have) > 0 || len(as) == 0 {
		return false, nil
	}
	if _, err := s.Import(ctx, as, "seed"); err != nil {
		return false, err
	}
	return true, nil
}

// Get returns the indexed article with id, drafts included; nil when it is not
// held. The bot looks up the articles it offered by id (see Index.Get).
func (s *Service) Get(id int64) *gridline.Article { return s.Index.Get(id) }

// Search ranks the indexed articles for a query; see Index.Search.
func (s *Service) Search(query string, opts SearchOptions) []Hit {
	return s.Index.Search(query, opts)
}

// SearchContext is Search with hybrid retrieval when Vectors is set: the
// question is embedded (within Vectors.QueryTimeout) and the articles nearest
// in meaning are fused into the word ranking. Without vectors, or when the
// embedding fails, it is Search.
func (s *Service) SearchContext(ctx context.Context, query string, opts SearchOptions) []Hit {
	if s.Vectors == nil || s.Vectors.Len() == 0 {
		return s.Index.Search(query, opts)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	wide := opts
	wide.Limit = max(limit*4, 20)
	lexical := s.Index.Search(query, wide)
	qv := s.Vectors.embedQuery(ctx, query)
	if qv == nil {
		return lexical[:min(limit, len(lexical))]
	}
	return s.Vectors.fuse(s.Index, lexical, qv, opts, limit)
}

// publish tells every replica that an article changed. A lost event only delays
// the other replicas until their next resync, so a failure is logged, not
// returned: the write itself succeeded.
func (s *Service) publish(ctx context.Context, id int64, deleted bool) {
	if s.Board == nil {
		return
	}
	ev := gridline.NewEvent(gridline.EventArticle, "", gridline.ArticleData{ID: id, Deleted: deleted})
	if err := s.Board.Publish(ctx, gridline.TopicKnowledge, ev); err != nil {
		s.log().Warn("knowledge: publish article change", "article", id, "err", err)
	}
}

// Run keeps this replica's index in step with changes made on other replicas:
// once subscribed it reloads from the store (closing the gap since Load), then
// it refreshes each changed article from the store as its event arrives, and
// reloads everything every Resync in case an event was lost. It returns when ctx
// is done (with ctx's error) or the subscription ends. Without a Board it only
// resyncs.
func (s *Service) Run(ctx context.Context) error {
	var events <-chan gridline.Event
	if s.Board != nil {
		sub, err := s.Board.Subscribe(ctx, gridline.TopicKnowledge)
		if err != nil {
			return fmt.Errorf("knowledge: subscribe: %w", err)
		}
		defer sub.Close()
		events = sub.Events()
		// Changes made elsewhere between the caller's Load and this subscription
		// carried events nobody here heard; one reload now closes that gap (it
		// costs a list: unchanged articles are skipped).
		if err := s.Load(ctx); err != nil {
			s.log().Warn("knowledge: reload after subscribing", "err", err)
		}
	}
	var tick <-chan time.Time
	if every := s.resyncEvery(); every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			if err := s.Load(ctx); err != nil {
				s.log().Warn("knowledge: resync", "err", err)
			}
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("knowledge: subscription closed")
			}
			switch ev.Type {
			case gridline.EventArticle:
				s.refresh(ctx, ev)
			case gridline.EventSynonyms:
				if err := s.loadSynonyms(ctx); err != nil {
					s.log().Warn("knowledge: reload synonyms", "err", err)
				}
			}
		}
	}
}

func (s *Service) resyncEvery() time.Duration {
	switch {
	case s.Resync == 0:
		return 10 * time.Minute
	case s.Resync < 0:
		return 0
	}
	return s.Resync
}

// refresh applies one change event: the article is read again from the store,
// which is the truth (the event may be older than the row).
func (s *Service) refresh(ctx context.Context, ev gridline.Event) {
	var ae gridline.ArticleData
	if err := json.Unmarshal(ev.Data, &ae); err != nil {
		s.log().Warn("knowledge: bad article event", "data", string(ev.Data))
		return
	}
	if ae.ID == 0 {
		if err := s.Load(ctx); err != nil {
			s.log().Warn("knowledge: reload after bulk change", "err", err)
		}
		return
	}
	if ae.Deleted {
		s.Index.Delete(ae.ID)
		return
	}
	a, err := s.Store.Article(ctx, ae.ID)
	switch {
	case gridline.ErrorCode(err) == gridline.ENOTFOUND:
		s.Index.Delete(ae.ID)
	case err != nil:
		s.log().Warn("knowledge: refresh article", "article", ae.ID, "err", err)
	default:
		s.Index.putNewer(a)
		s.syncVectors(ctx, []*gridline.Article{a}, false)
	}
}

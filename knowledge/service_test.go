package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/internal/testenv"
	"github.com/gridline/gridline/knowledge"
)

func openSQLite(t *testing.T) gridline.Store { return testenv.Embedded(t).Store(t) }

func newService(st gridline.Store, sb gridline.Switchboard) *knowledge.Service {
	return &knowledge.Service{Store: st, Index: knowledge.NewIndex(), Board: sb, Resync: -1}
}

func article(slug, lang, title, body string) *gridline.Article {
	return &gridline.Article{Slug: slug, Lang: lang, Title: title, Body: body,
		Tags: []string{" Billing "}, Status: gridline.ArticlePublished}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := gridline.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func top(s *knowledge.Service, q string) string {
	hits := s.Search(q, knowledge.SearchOptions{})
	if len(hits) == 0 {
		return ""
	}
	return hits[0].Article.Slug
}

func TestService(t *testing.T) {
	for _, shape := range testenv.Shapes() {
		t.Run(shape.Name, func(t *testing.T) {
			t.Run("write", func(t *testing.T) { testWrite(t, shape.Open(t)) })
			t.Run("import", func(t *testing.T) { testImport(t, shape.Open(t)) })
			t.Run("replicas", func(t *testing.T) { testReplicas(t, shape.Open(t)) })
			t.Run("resync", func(t *testing.T) { testResync(t, shape.Open(t)) })
		})
	}
}

func testWrite(t *testing.T, env *testenv.Setup) {
	ctx := context.Background()
	s := newService(env.Store(t), env.Handoff(t, "one").Board)

	bad := &gridline.Article{Slug: "Bad Slug", Lang: "fr", Title: strings.Repeat("x", 201), Tags: []string{strings.Repeat("t", 41)}}
	err := s.Create(ctx, bad, "admin@example.com")
	wantCode(t, err, gridline.EINVALID)
	var ge *gridline.Error
	errors.As(err, &ge)
	for _, f := range []string{"slug", "lang", "title", "body", "tags[0]"} {
		if ge.Fields[f] == "" {
			t.Errorf("no message for field %q in %v", f, ge.Fields)
		}
	}

	a := article("meter-fast", "en", "My meter runs fast", "Ask for a free accuracy test.")
	a.Status = ""
	if err := s.Create(ctx, a, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Version != 1 || a.Status != gridline.ArticleDraft || a.Tags[0] != "billing" {
		t.Fatalf("created %+v: want an ID, version 1, draft, tidied tags", a)
	}
	if got := top(s, "meter runs fast"); got != "" {
		t.Errorf("a draft is answered from: %q", got)
	}
	if hits := s.Search("meter runs fast", knowledge.SearchOptions{IncludeDrafts: true}); len(hits) != 1 {
		t.Errorf("the admin search does not find the draft: %v", hits)
	}
	wantCode(t, s.Create(ctx, article("meter-fast", "en", "x", "y"), "a"), gridline.ECONFLICT)

	edit := *a
	edit.Title, edit.Status = "Meter accuracy test", gridline.ArticlePublished
	if err := s.Update(ctx, &edit, 1, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	keep := edit
	keep.Status = ""
	if err := s.Update(ctx, &keep, 2, "admin@example.com"); err != nil || keep.Status != gridline.ArticlePublished {
		t.Fatalf("an edit without status: %v, status %q; want it to stay published", err, keep.Status)
	}
	stale := *a
	stale.Title = "Stale edit"
	wantCode(t, s.Update(ctx, &stale, 1, "other@example.com"), gridline.ECONFLICT)
	if got := top(s, "meter accuracy"); got != "meter-fast" {
		t.Errorf("after the edit, top hit %q", got)
	}
	if got := top(s, "stale edit"); got != "" {
		t.Errorf("a rejected edit reached the index: %q", got)
	}
	stored, err := s.Store.Article(ctx, a.ID)
	if err != nil || stored.Version != 3 || stored.UpdatedBy != "admin@example.com" {
		t.Fatalf("stored %+v, %v: want version 3 by admin", stored, err)
	}

	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Delete(ctx, a.ID), gridline.ENOTFOUND)
	if s.Index.Get(a.ID) != nil {
		t.Error("a deleted article is still indexed")
	}
}

func testImport(t *testing.T, env *testenv.Setup) {
	ctx := context.Background()
	s := newService(env.Store(t), env.Handoff(t, "one").Board)
	rows := []*gridline.Article{
		article("pay-online", "en", "Pay your bill online", "Use the app or the website."),
		article("bad slug!", "en", "Bad", "x"),
		article("reconnect", "zh", "欠费复电", "缴清欠费后24小时内恢复供电。"),
		{Slug: "empty-body", Lang: "zh", Title: "空"},
		article("pay-online", "en", "Duplicate", "x"),
	}
	errs, err := s.Import(ctx, rows, "admin")
	wantCode(t, err, gridline.EINVALID)
	got := map[string]bool{}
	for _, e := range errs {
		got[strconv.Itoa(e.Index)+"."+e.Field] = true
	}
	for _, want := range []string{"1.slug", "3.body", "4.slug"} {
		if !got[want] {
			t.Errorf("no import error %s in %+v", want, errs)
		}
	}
	if as, _ := s.Export(ctx); len(as) != 0 {
		t.Fatalf("a rejected import wrote %d articles", len(as))
	}

	seeded, err := s.SeedIfEmpty(ctx, []*gridline.Article{rows[0], rows[2]})
	if err != nil || !seeded {
		t.Fatalf("SeedIfEmpty = %v, %v; want true", seeded, err)
	}
	if seeded, err := s.SeedIfEmpty(ctx, []*gridline.Article{article("other", "en", "x", "y")}); err != nil || seeded {
		t.Fatalf("second SeedIfEmpty = %v, %v; want false", seeded, err)
	}
	if got := top(s, "交了电费多久来电"); got != "reconnect" {
		t.Errorf("seeded article not found: %q", got)
	}

	// Import upserts by slug: pay-online is replaced, a new one is added.
	again := []*gridline.Article{
		article("pay-online", "en", "Pay by direct debit", "Set up a direct debit in the app."),
		article("outage", "en", "Report a power cut", "Call us or use the app."),
	}
	again[1].Status = ""
	if errs, err := s.Import(ctx, again, "admin"); err != nil || len(errs) > 0 {
		t.Fatal(errs, err)
	}
	as, err := s.Export(ctx)
	if err != nil || len(as) != 3 {
		t.Fatalf("Export = %d articles, %v; want 3", len(as), err)
	}
	if again[1].Status != gridline.ArticlePublished {
		t.Errorf("an import row without status became %q, want published", again[1].Status)
	}
	if got := top(s, "direct debit"); got != "pay-online" {
		t.Errorf("the upserted text is not indexed: %q", got)
	}

	// Load on a fresh index reproduces what the writes built.
	fresh := &knowledge.Service{Store: s.Store, Index: knowledge.NewIndex()}
	if err := fresh.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if fresh.Index.Len() != 3 || top(fresh, "power cut") != "outage" {
		t.Errorf("Load: %d articles, top %q", fresh.Index.Len(), top(fresh, "power cut"))
	}
}

// testReplicas runs two services on one store and switchboard, as two replicas
// do, and checks that each one's writes reach the other's index.
func testReplicas(t *testing.T, env *testenv.Setup) {
	st, sb := env.Store(t), env.Handoff(t, "one").Board
	one, two := newService(st, sb), newService(st, sb)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	for _, s := range []*knowledge.Service{one, two} {
		go func() { done <- s.Run(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		}
	})
	waitSubscribed(t, one, two)

	a := article("storm", "en", "Storm damage", "Our crews clear fallen trees.")
	if err := one.Create(ctx, a, "admin"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other replica indexes a new article", func() bool { return top(two, "storm damage") == "storm" })
	a.Title = "Storm and flood damage"
	if err := one.Update(ctx, a, 0, "admin"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other replica sees the edit", func() bool { return top(two, "flood") == "storm" })
	// A question linked on one replica is a phrasing the other answers by.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.RecordUnanswered(ctx, "branches smashed my shed roof", gridline.LangEN, "fallback"))
	open, err := st.ListUnanswered(ctx, false, 1)
	must(err)
	must(one.ResolveUnanswered(ctx, open[0].ID, a.ID, "admin"))
	eventually(t, "the other replica finds the article by its new phrasing", func() bool { return top(two, "shed roof branches") == "storm" })
	wantCode(t, one.ResolveUnanswered(ctx, open[0].ID, 99999, "admin"), gridline.EINVALID)
	wantCode(t, one.ResolveUnanswered(ctx, 99999, a.ID, "admin"), gridline.ENOTFOUND)
	cur, err := st.Article(ctx, a.ID)
	must(err)
	for i := len(cur.Questions); i < knowledge.MaxQuestions; i++ {
		cur.Questions = append(cur.Questions, fmt.Sprintf("storm question %d", i))
	}
	must(one.Update(ctx, cur, 0, "admin"))
	_, err = one.AddQuestion(ctx, a.ID, "one too many", "admin")
	wantCode(t, err, gridline.EINVALID)
	a = cur
	// A synonym edit on one replica applies on the other at once, and a
	// replica that starts later loads it.
	if _, err := one.SetSynonyms(ctx, knowledge.Synonyms{Sets: [][]string{{"tempest", "storm"}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other replica applies the synonyms", func() bool { return top(two, "tempest") == "storm" })
	three := newService(st, sb)
	must(three.Load(ctx))
	if top(three, "tempest") != "storm" || len(three.Synonyms().Sets) != 1 {
		t.Errorf("a replica loading later lacks the synonyms: %q", three.Synonyms().Sets)
	}
	_, err = one.SetSynonyms(ctx, knowledge.Synonyms{Sets: [][]string{{"storm", "x"}, {"storm", "y"}}})
	wantCode(t, err, gridline.EINVALID)
	if err := two.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first replica drops the deleted article", func() bool { return one.Index.Get(a.ID) == nil })

	// A bulk import reaches the other replica as one reload.
	var bulk []*gridline.Article
	for i := range 60 {
		bulk = append(bulk, article(fmt.Sprintf("bulk-%d", i), "en", fmt.Sprintf("Bulk article %d", i), "Imported in bulk."))
	}
	if errs, err := one.Import(ctx, bulk, "admin"); err != nil || len(errs) > 0 {
		t.Fatal(errs, err)
	}
	eventually(t, "the other replica reloads after a bulk import", func() bool { return two.Index.Get(bulk[59].ID) != nil })
}

// testResync writes behind the service's back, as a lost event would leave it,
// and checks that the periodic resync heals the index.
func testResync(t *testing.T, env *testenv.Setup) {
	st := env.Store(t)
	s := &knowledge.Service{Store: st, Index: knowledge.NewIndex(), Resync: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	})
	a := article("tree-trimming", "en", "Tree trimming near lines", "Our crews trim trees near power lines.")
	if err := st.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the resync indexes an article written behind its back", func() bool { return top(s, "tree trimming") == "tree-trimming" })
	if err := st.DeleteArticle(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the resync drops a deleted article", func() bool { return s.Index.Get(a.ID) == nil })
}

// waitSubscribed publishes probes until both services have subscribed: Run
// subscribes in its own goroutine, and an event published before that is lost.
func waitSubscribed(t *testing.T, ss ...*knowledge.Service) {
	probe := &gridline.Article{Slug: "probe", Lang: "en", Title: "probe", Body: "probe", Status: gridline.ArticlePublished}
	if err := ss[0].Store.CreateArticle(context.Background(), probe); err != nil {
		t.Fatal(err)
	}
	ev := gridline.NewEvent(gridline.EventArticle, "", map[string]any{"id": probe.ID, "deleted": false})
	eventually(t, "both replicas subscribed", func() bool {
		_ = ss[0].Board.Publish(context.Background(), gridline.TopicKnowledge, ev)
		for _, s := range ss {
			if s.Index.Get(probe.ID) == nil {
				return false
			}
		}
		return true
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

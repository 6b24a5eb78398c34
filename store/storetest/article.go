package storetest

import (
	"slices"
	"testing"

	"github.com/gridline/gridline"
)

// RunArticles runs the gridline.ArticleStore contract, as Run does.
func RunArticles(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Article", testArticle},
		{"ArticleVersions", testArticleVersions},
		{"ImportArticles", testImportArticles},
		{"ImportArticlesAllOrNothing", testImportAllOrNothing},
	})
}

func testArticle(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Article{Slug: "pay-bill", Lang: gridline.LangZH, Title: "如何缴纳电费", Body: "可通过网上营业厅缴费。",
		Tags: []string{"缴费", "电费"}, Questions: []string{"在哪里交电费", "交费方式有哪些"}, Status: gridline.ArticlePublished, UpdatedBy: "admin"}
	must(t, st.CreateArticle(c, a))
	if a.ID == 0 || a.Version != 1 {
		t.Fatalf("CreateArticle: id %d version %d", a.ID, a.Version)
	}
	recent(t, "article UpdatedAt", a.UpdatedAt)
	got, err := st.Article(c, a.ID)
	must(t, err)
	if !equalArticle(got, a) {
		t.Errorf("Article = %+v, want %+v", got, a)
	}
	got, err = st.ArticleBySlug(c, "pay-bill")
	must(t, err)
	if !equalArticle(got, a) {
		t.Errorf("ArticleBySlug = %+v, want %+v", got, a)
	}
	wantCode(t, st.CreateArticle(c, &gridline.Article{Slug: "pay-bill", Lang: gridline.LangEN, Title: "t", Status: gridline.ArticleDraft}),
		gridline.ECONFLICT)
	wantCode(t, st.CreateArticle(c, &gridline.Article{Lang: gridline.LangEN, Title: "no slug"}), gridline.EINVALID)

	draft := &gridline.Article{Slug: "meter-fast", Lang: gridline.LangEN, Title: "My meter runs fast", Body: "Ask for a test."}
	must(t, st.CreateArticle(c, draft))
	if draft.Status != gridline.ArticleDraft || draft.Tags == nil {
		t.Errorf("an article without status or tags should be a draft with no tags: %+v", draft)
	}

	// Update with the right expected version; then a stale one is refused.
	a.Body, a.UpdatedBy = "可通过网上营业厅、银行或手机应用缴费。", "editor"
	must(t, st.UpdateArticle(c, a, 1))
	if a.Version != 2 {
		t.Errorf("after update Version = %d, want 2", a.Version)
	}
	stale := *a
	stale.Body = "stale"
	wantCode(t, st.UpdateArticle(c, &stale, 1), gridline.ECONFLICT)
	got, err = st.Article(c, a.ID)
	must(t, err)
	if !equalArticle(got, a) {
		t.Errorf("a refused update wrote something: %+v, want %+v", got, a)
	}
	// expectVersion 0 skips the check.
	a.Title = "缴纳电费"
	must(t, st.UpdateArticle(c, a, 0))
	if a.Version != 3 {
		t.Errorf("Version = %d, want 3", a.Version)
	}
	// Taking another article's slug is a conflict.
	moved := *draft
	moved.Slug = "pay-bill"
	wantCode(t, st.UpdateArticle(c, &moved, 0), gridline.ECONFLICT)
	wantCode(t, st.UpdateArticle(c, &gridline.Article{ID: 99999, Slug: "x", Status: gridline.ArticleDraft}, 0), gridline.ENOTFOUND)

	for _, tt := range []struct {
		f    gridline.ArticleFilter
		want []int64
	}{
		{gridline.ArticleFilter{}, []int64{a.ID, draft.ID}},
		{gridline.ArticleFilter{Status: gridline.ArticlePublished}, []int64{a.ID}},
		{gridline.ArticleFilter{Lang: gridline.LangEN}, []int64{draft.ID}},
		{gridline.ArticleFilter{Lang: gridline.LangEN, Status: gridline.ArticlePublished}, nil},
	} {
		list, err := st.ListArticles(c, tt.f)
		must(t, err)
		var ids []int64
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("ListArticles(%+v) = %v, want %v", tt.f, ids, tt.want)
		}
	}

	must(t, st.DeleteArticle(c, a.ID))
	_, err = st.Article(c, a.ID)
	wantCode(t, err, gridline.ENOTFOUND)
	_, err = st.ArticleVersions(c, a.ID)
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.DeleteArticle(c, a.ID), gridline.ENOTFOUND)
	_, err = st.ArticleBySlug(c, "pay-bill")
	wantCode(t, err, gridline.ENOTFOUND)
	// The slug is free again.
	must(t, st.CreateArticle(c, &gridline.Article{Slug: "pay-bill", Lang: gridline.LangZH, Title: "again", Status: gridline.ArticleDraft}))
}

func equalArticle(a, b *gridline.Article) bool {
	return a.ID == b.ID && a.Slug == b.Slug && a.Lang == b.Lang && a.Title == b.Title && a.Body == b.Body &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Questions, b.Questions) && a.Status == b.Status && a.Version == b.Version && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.UpdatedBy == b.UpdatedBy
}

func testArticleVersions(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Article{Slug: "outage", Lang: gridline.LangEN, Title: "v1", Body: "one", Status: gridline.ArticleDraft, UpdatedBy: "u1"}
	must(t, st.CreateArticle(c, a))
	v1 := *a
	a.Title, a.Body, a.Status, a.Tags, a.UpdatedBy = "v2", "two", gridline.ArticlePublished, []string{"power"}, "u2"
	a.Questions = []string{"is the power out"}
	must(t, st.UpdateArticle(c, a, 1))
	v2 := *a
	// Phrasings are versioned with the article: the history keeps v2's.
	a.Title, a.Body, a.UpdatedBy = "v3", "three", "u3"
	a.Questions = []string{"is the power out", "why is there no electricity"}
	must(t, st.UpdateArticle(c, a, 2))

	vs, err := st.ArticleVersions(c, a.ID)
	must(t, err)
	if len(vs) != 3 {
		t.Fatalf("%d versions, want 3", len(vs))
	}
	for i, want := range []*gridline.Article{a, &v2, &v1} {
		if !equalArticle(vs[i], want) {
			t.Errorf("version %d = %+v, want %+v", i, vs[i], want)
		}
	}
	_, err = st.ArticleVersions(c, 99999)
	wantCode(t, err, gridline.ENOTFOUND)
}

func testImportArticles(t *testing.T, st gridline.Store) {
	c := ctx(t)
	old := &gridline.Article{Slug: "reconnect", Lang: gridline.LangEN, Title: "Reconnection", Body: "old", Status: gridline.ArticlePublished}
	must(t, st.CreateArticle(c, old))

	batch := []*gridline.Article{
		{Slug: "reconnect", Lang: gridline.LangEN, Title: "Reconnection after payment", Body: "new", Status: gridline.ArticlePublished},
		{Slug: "solar", Lang: gridline.LangEN, Title: "Rooftop solar", Body: "apply", Tags: []string{"pv"}, Status: gridline.ArticleDraft},
		{ID: 12345, Slug: "ev", Lang: gridline.LangZH, Title: "充电桩", Body: "报装", Status: gridline.ArticlePublished},
	}
	must(t, st.ImportArticles(c, batch))
	if batch[0].ID != old.ID || batch[0].Version != 2 {
		t.Errorf("existing slug: id %d version %d, want %d and 2", batch[0].ID, batch[0].Version, old.ID)
	}
	for _, a := range batch[1:] {
		if a.ID == 0 || a.ID == 12345 || a.Version != 1 {
			t.Errorf("new slug %s: id %d version %d", a.Slug, a.ID, a.Version)
		}
	}
	for _, a := range batch {
		got, err := st.ArticleBySlug(c, a.Slug)
		must(t, err)
		if !equalArticle(got, a) {
			t.Errorf("imported %s = %+v, want %+v", a.Slug, got, a)
		}
	}
	vs, err := st.ArticleVersions(c, old.ID)
	must(t, err)
	if len(vs) != 2 || vs[1].Body != "old" {
		t.Errorf("the import lost the earlier version: %+v", vs)
	}
	must(t, st.ImportArticles(c, nil))
}

func testImportAllOrNothing(t *testing.T, st gridline.Store) {
	c := ctx(t)
	existing := &gridline.Article{Slug: "tariff", Lang: gridline.LangEN, Title: "Tariffs", Body: "v1", Status: gridline.ArticlePublished}
	must(t, st.CreateArticle(c, existing))

	for _, bad := range []*gridline.Article{
		{Slug: "", Lang: gridline.LangEN, Title: "no slug", Status: gridline.ArticleDraft},
		{Slug: "weird", Lang: gridline.LangEN, Title: "bad status", Status: "archived"},
	} {
		batch := []*gridline.Article{
			{Slug: "tariff", Lang: gridline.LangEN, Title: "Tariffs 2026", Body: "v2", Status: gridline.ArticlePublished},
			{Slug: "brand-new", Lang: gridline.LangEN, Title: "New", Body: "x", Status: gridline.ArticleDraft},
			bad,
		}
		// The bad row comes last, after two rows the store has already written in
		// its transaction: they must be rolled back.
		err := st.ImportArticles(c, batch)
		wantCode(t, err, gridline.EINVALID)
		if batch[1].ID != 0 || batch[0].Version != 0 {
			t.Errorf("a failed import filled in the input: %+v %+v", batch[0], batch[1])
		}
	}
	got, err := st.ArticleBySlug(c, "tariff")
	must(t, err)
	if !equalArticle(got, existing) {
		t.Errorf("a failed import changed an existing article: %+v, want %+v", got, existing)
	}
	_, err = st.ArticleBySlug(c, "brand-new")
	wantCode(t, err, gridline.ENOTFOUND)
	vs, err := st.ArticleVersions(c, existing.ID)
	must(t, err)
	if len(vs) != 1 {
		t.Errorf("a failed import left %d versions, want 1", len(vs))
	}
	all, err := st.ListArticles(c, gridline.ArticleFilter{})
	must(t, err)
	if len(all) != 1 {
		t.Errorf("%d articles after failed imports, want 1", len(all))
	}
}

package storetest

import (
	"testing"

	"github.com/gridline/gridline"
)

// RunUnanswered runs the gridline.UnansweredStore contract, as Run does.
func RunUnanswered(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Unanswered", testUnanswered},
	})
}

func testUnanswered(t *testing.T, st gridline.Store) {
	c := ctx(t)
	for range 3 {
		must(t, st.RecordUnanswered(c, "明天天气怎么样", gridline.LangZH, "fallback"))
	}
	must(t, st.RecordUnanswered(c, "Why is my bill high?", gridline.LangEN, "clarify"))
	must(t, st.RecordUnanswered(c, "why is my  bill high", gridline.LangEN, "fallback"))
	must(t, st.RecordUnanswered(c, "why is my bill high", gridline.LangZH, "fallback")) // another language, another question
	wantCode(t, st.RecordUnanswered(c, "  ", gridline.LangEN, "fallback"), gridline.EINVALID)

	open, err := st.ListUnanswered(c, false, 0)
	must(t, err)
	if len(open) != 3 {
		t.Fatalf("%d open questions, want 3: %+v", len(open), open)
	}
	top, second := open[0], open[1]
	if top.Text != "明天天气怎么样" || top.Count != 3 || top.Lang != gridline.LangZH || top.Resolved || top.ArticleID != 0 {
		t.Errorf("most asked = %+v", top)
	}
	if second.Text != "Why is my bill high?" || second.Count != 2 || second.Action != "fallback" {
		t.Errorf("second = %+v; want the first wording, counted twice, last action fallback", second)
	}
	if second.LastAt.Before(second.FirstAt) {
		t.Errorf("LastAt %v before FirstAt %v", second.LastAt, second.FirstAt)
	}
	recent(t, "FirstAt", top.FirstAt)
	limited, err := st.ListUnanswered(c, false, 1)
	must(t, err)
	if len(limited) != 1 {
		t.Errorf("limit 1 gave %d", len(limited))
	}

	art := &gridline.Article{Slug: "high-bill", Lang: gridline.LangEN, Title: "High bill", Status: gridline.ArticlePublished}
	must(t, st.CreateArticle(c, art))
	must(t, st.ResolveUnanswered(c, second.ID, art.ID))
	got, err := st.UnansweredQuestion(c, second.ID)
	must(t, err)
	if got.Text != "Why is my bill high?" || !got.Resolved || got.ArticleID != art.ID || got.Lang != gridline.LangEN {
		t.Errorf("UnansweredQuestion after resolving = %+v", got)
	}
	_, err = st.UnansweredQuestion(c, 99999)
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.ResolveUnanswered(c, 99999, art.ID), gridline.ENOTFOUND)
	wantCode(t, st.ResolveUnanswered(c, top.ID, 99999), gridline.ENOTFOUND)

	open, err = st.ListUnanswered(c, false, 10)
	must(t, err)
	if len(open) != 2 {
		t.Errorf("%d open after resolving one, want 2", len(open))
	}
	closed, err := st.ListUnanswered(c, true, 10)
	must(t, err)
	if len(closed) != 1 || closed[0].ID != second.ID || closed[0].ArticleID != art.ID || !closed[0].Resolved {
		t.Errorf("resolved = %+v", closed)
	}
}

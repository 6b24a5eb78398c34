package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

func article(slug, lang, title, body string, tags ...string) map[string]any {
	return map[string]any{"slug": slug, "lang": lang, "title": title, "body": body, "tags": tags, "status": "published"}
}

// TestArticlesAPI: admins write, agents read, edits keep history, a stale edit is
// refused, validation names the fields, and the bot answers from what was saved.
func TestArticlesAPI(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	_, agent := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)

	// Agents may not write.
	if status, _ := e.do("POST", "/api/v1/articles", agent, article("meter-test-en", "en", "Meter test", "We test meters.")); status != http.StatusForbidden {
		t.Fatalf("agent creating an article: %d, want 403", status)
	}
	if status, _ := e.do("GET", "/api/v1/articles", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d, want 401", status)
	}

	var a gridline.Article
	e.mustDo("POST", "/api/v1/articles", admin, article("meter-accuracy-test-en", "en", "My meter runs fast: meter accuracy testing",
		"If you think your meter runs fast, ask for an accuracy test. A technician tests the meter on site within 5 working days; the test is free when the meter is found faulty.", "meter", "accuracy"), http.StatusCreated, &a)
	if a.ID == 0 || a.Version != 1 || a.UpdatedBy != "ada@utility.test" {
		t.Fatalf("created %+v", a)
	}

	// Validation names each bad field.
	status, body := e.do("POST", "/api/v1/articles", admin, map[string]any{"slug": "Bad Slug", "lang": "fr", "title": "", "body": "x"})
	if status != http.StatusBadRequest {
		t.Fatalf("invalid article: %d %s", status, body)
	}
	var verr struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &verr)
	for _, f := range []string{"slug", "lang", "title"} {
		if _, ok := verr.Error.Fields[f]; !ok {
			t.Errorf("invalid article: fields %v lack %q", verr.Error.Fields, f)
		}
	}
	if status, _ := e.do("POST", "/api/v1/articles", admin, article("meter-accuracy-test-en", "en", "Dup", "Dup body")); status != http.StatusConflict {
		t.Errorf("duplicate slug: %d, want 409", status)
	}

	// An edit based on version 1 succeeds once; a second edit based on version 1 is stale.
	edit := article("meter-accuracy-test-en", "en", "My meter runs fast: free accuracy testing", a.Body, "meter")
	edit["version"] = 1
	var a2 gridline.Article
	e.mustDo("PUT", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, edit, http.StatusOK, &a2)
	if a2.Version != 2 {
		t.Fatalf("after an edit version %d, want 2", a2.Version)
	}
	if status, body := e.do("PUT", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, edit); status != http.StatusConflict {
		t.Fatalf("stale edit: %d %s, want 409", status, body)
	}
	var versions []gridline.Article
	e.mustDo("GET", fmt.Sprintf("/api/v1/articles/%d/versions", a.ID), agent, nil, http.StatusOK, &versions)
	if len(versions) != 2 || versions[0].Version != 2 || versions[1].Title != "My meter runs fast: meter accuracy testing" {
		t.Fatalf("versions %+v", versions)
	}

	// Search and the bot see the saved article at once.
	var hits []searchHit
	e.mustDo("GET", "/api/v1/articles/search?q=meter+runs+fast", agent, nil, http.StatusOK, &hits)
	if len(hits) == 0 || hits[0].ID != a.ID {
		t.Fatalf("search hits %+v", hits)
	}
	var reply bot.Reply
	e.mustDo("POST", "/api/v1/bot/ask", agent, map[string]string{"text": "my meter runs fast, can you test it?"}, http.StatusOK, &reply)
	if reply.Action != bot.ActionAnswer || len(reply.Citations) == 0 || reply.Citations[0].ID != a.ID || !strings.Contains(reply.Text, "5 working days") {
		t.Fatalf("bot/ask: %+v", reply)
	}
	if status, _ := e.do("POST", "/api/v1/bot/ask", agent, map[string]string{"text": ""}); status != http.StatusBadRequest {
		t.Fatalf("empty ask: %d, want 400", status)
	}

	// Unpublishing takes it out of the bot's reach.
	edit["version"], edit["status"] = 2, "draft"
	e.mustDo("PUT", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, edit, http.StatusOK, nil)
	e.mustDo("POST", "/api/v1/bot/ask", agent, map[string]string{"text": "my meter runs fast, can you test it?"}, http.StatusOK, &reply)
	for _, c := range reply.Citations {
		if c.ID == a.ID {
			t.Fatalf("the bot cites a draft: %+v", reply)
		}
	}

	e.mustDo("DELETE", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, nil, http.StatusNoContent, nil)
	if status, _ := e.do("GET", fmt.Sprintf("/api/v1/articles/%d", a.ID), agent, nil); status != http.StatusNotFound {
		t.Fatalf("deleted article: %d, want 404", status)
	}
	if status, _ := e.do("GET", "/api/v1/articles/not-a-number", agent, nil); status != http.StatusNotFound {
		t.Fatalf("bad id: %d, want 404", status)
	}
}

// TestArticlesImportExport: an import with a bad row writes nothing and names the
// row; a good import upserts by slug; export returns everything.
func TestArticlesImportExport(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	ctx := context.Background()

	bad := []any{
		article("pay-bill-en", "en", "Pay your bill", "Pay in the app or at a bank."),
		article("pay-bill-zh", "zh", "缴纳电费", "可以在应用或银行缴费。"),
		map[string]any{"slug": "NOT OK", "lang": "en", "title": "x", "body": "y"},
		"not an object",
	}
	status, body := e.do("POST", "/api/v1/articles/import", admin, bad)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"2.slug"`) || !strings.Contains(string(body), `"3"`) {
		t.Fatalf("import with bad rows: %d %s", status, body)
	}
	if as, _ := e.store.ListArticles(ctx, gridline.ArticleFilter{}); len(as) != 0 {
		t.Fatalf("a refused import wrote %d articles", len(as))
	}

	good := bad[:2]
	e.mustDo("POST", "/api/v1/articles/import", admin, good, http.StatusOK, nil)
	updated := []any{article("pay-bill-en", "en", "Pay your electricity bill", "Pay in the app, at a bank, or by auto-debit.")}
	e.mustDo("POST", "/api/v1/articles/import", admin, updated, http.StatusOK, nil)
	got, err := e.store.ArticleBySlug(ctx, "pay-bill-en")
	if err != nil || got.Version != 2 || got.Title != "Pay your electricity bill" {
		t.Fatalf("upserted article %+v %v", got, err)
	}

	var exported []gridline.Article
	e.mustDo("GET", "/api/v1/articles/export", admin, nil, http.StatusOK, &exported)
	if len(exported) != 2 {
		t.Fatalf("exported %d articles, want 2", len(exported))
	}
	if status, _ := e.do("POST", "/api/v1/articles/import", admin, []any{}); status != http.StatusBadRequest {
		t.Fatalf("empty import: %d, want 400", status)
	}
}

// TestUnansweredAPI: what the bot could not answer is listed by count, and an
// admin closes it by linking an article.
func TestUnansweredAPI(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	e.mustDo("POST", "/api/v1/articles/import", admin, []any{
		article("pay-bill-en", "en", "Pay your electricity bill", "Pay in the app, at a bank, or by auto-debit."),
	}, http.StatusOK, nil)
	ctx := context.Background()
	for range 3 {
		if err := e.store.RecordUnanswered(ctx, "can i pay with bitcoin", "en", "fallback"); err != nil {
			t.Fatal(err)
		}
	}
	var open []gridline.Unanswered
	e.mustDo("GET", "/api/v1/unanswered", admin, nil, http.StatusOK, &open)
	if len(open) != 1 || open[0].Count != 3 {
		t.Fatalf("unanswered %+v", open)
	}
	a, _ := e.store.ArticleBySlug(ctx, "pay-bill-en")
	if status, _ := e.do("POST", fmt.Sprintf("/api/v1/unanswered/%d/resolve", open[0].ID), admin, map[string]any{"article_id": 999999}); status != http.StatusBadRequest {
		t.Fatalf("resolve with a missing article: %d, want 400", status)
	}
	e.mustDo("POST", fmt.Sprintf("/api/v1/unanswered/%d/resolve", open[0].ID), admin, map[string]any{"article_id": a.ID}, http.StatusNoContent, nil)
	e.mustDo("GET", "/api/v1/unanswered", admin, nil, http.StatusOK, &open)
	if len(open) != 0 {
		t.Fatalf("still open after resolving: %+v", open)
	}
}

// TestAskRecordsNothing: an admin trying the bot (POST /api/v1/bot/ask) with
// questions it cannot answer leaves the unanswered list as it was; it lists
// customers' questions, not tests.
func TestAskRecordsNothing(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	e.mustDo("POST", "/api/v1/articles/import", admin, []any{
		article("pay-bill-en", "en", "Pay your electricity bill", "Pay in the app, at a bank, or by auto-debit."),
	}, http.StatusOK, nil)
	for _, q := range []string{"what is the capital of France", "明天天气怎么样", "can I pay my water bill here"} {
		var r bot.Reply
		e.mustDo("POST", "/api/v1/bot/ask", admin, map[string]any{"text": q}, http.StatusOK, &r)
		if r.Action == bot.ActionAnswer {
			t.Fatalf("%q answered: %+v (the test's premise)", q, r.Citations)
		}
	}
	var open []gridline.Unanswered
	e.mustDo("GET", "/api/v1/unanswered", admin, nil, http.StatusOK, &open)
	if len(open) != 0 {
		t.Errorf("after admin asks, unanswered = %+v, want none", open)
	}
}

// TestSearchByLanguage: the admin's search (and the link picker) finds only
// articles in the language asked for.
func TestSearchByLanguage(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	e.mustDo("POST", "/api/v1/articles/import", admin, []any{
		article("meter-en", "en", "Meter test", "Ask for a meter test; it is free."),
		article("meter-zh", "zh", "电表校验 meter test", "申请电表校验 meter test，免费。"),
	}, http.StatusOK, nil)
	for lang, want := range map[string]string{"en": "meter-en", "zh": "meter-zh"} {
		var hits []struct{ Slug string }
		e.mustDo("GET", "/api/v1/articles/search?q=meter+test&lang="+lang, admin, nil, http.StatusOK, &hits)
		if len(hits) != 1 || hits[0].Slug != want {
			t.Errorf("search lang=%s: %+v, want only %s", lang, hits, want)
		}
	}
}

// TestUnansweredLinkTeachesTheBot is the learning loop end to end: a customer's
// wording the articles do not use falls back; an admin links the recorded
// question to the article that answers it; the same question is then answered
// from that article, which now lists it among its questions (a new version).
func TestUnansweredLinkTeachesTheBot(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	e.mustDo("POST", "/api/v1/articles/import", admin, []any{
		article("account-number-en", "en", "Finding your account number",
			"Your account number has 10 digits. It is printed at the top of every bill and shown in the app under My account."),
		article("pay-bill-en", "en", "Pay your electricity bill", "Pay in the app, at a bank, or by auto-debit."),
		article("outage-en", "en", "Is there a power cut in my area?", "Check the outage map or call 400-000-1234."),
	}, http.StatusOK, nil)
	const q = "what is the customer reference they want on the phone"
	ask := func() bot.Reply {
		var r bot.Reply
		e.mustDo("POST", "/api/v1/bot/ask", admin, map[string]any{"text": q, "lang": "en"}, http.StatusOK, &r)
		return r
	}
	if r := ask(); r.Action == bot.ActionAnswer {
		t.Fatalf("before linking: %s from %+v; want no answer (the test's premise)", r.Action, r.Citations)
	}
	// The chat records what the bot could not answer (the ask endpoint does not).
	ctx := context.Background()
	if err := e.store.RecordUnanswered(ctx, q, gridline.LangEN, bot.ActionFallback); err != nil {
		t.Fatal(err)
	}
	var open []gridline.Unanswered
	e.mustDo("GET", "/api/v1/unanswered", admin, nil, http.StatusOK, &open)
	if len(open) != 1 {
		t.Fatalf("unanswered %+v", open)
	}
	a, err := e.store.ArticleBySlug(ctx, "account-number-en")
	if err != nil {
		t.Fatal(err)
	}
	e.mustDo("POST", fmt.Sprintf("/api/v1/unanswered/%d/resolve", open[0].ID), admin, map[string]any{"article_id": a.ID}, http.StatusNoContent, nil)

	r := ask()
	if r.Action != bot.ActionAnswer || len(r.Citations) != 1 || r.Citations[0].Slug != "account-number-en" {
		t.Fatalf("after linking: %s %+v (confidence %.2f); want an answer from account-number-en", r.Action, r.Citations, r.Confidence)
	}
	var got gridline.Article
	e.mustDo("GET", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, nil, http.StatusOK, &got)
	if got.Version != a.Version+1 || len(got.Questions) != 1 || got.Questions[0] != q {
		t.Fatalf("article after linking: version %d questions %q; want version %d with the question", got.Version, got.Questions, a.Version+1)
	}
	// The phrasing travels with the article: export, then import it back.
	var exported []gridline.Article
	e.mustDo("GET", "/api/v1/articles/export", admin, nil, http.StatusOK, &exported)
	var back []map[string]any
	for _, x := range exported {
		if x.Slug == "account-number-en" && !slices.Equal(x.Questions, []string{q}) {
			t.Errorf("exported questions %q", x.Questions)
		}
		back = append(back, map[string]any{"slug": x.Slug, "lang": x.Lang, "title": x.Title, "body": x.Body, "tags": x.Tags, "questions": x.Questions})
	}
	e.mustDo("POST", "/api/v1/articles/import", admin, back, http.StatusOK, nil)
	if r := ask(); r.Action != bot.ActionAnswer {
		t.Errorf("after export and import: %s", r.Action)
	}
	a, _ = e.store.ArticleBySlug(ctx, "account-number-en")
	// Linking it again changes nothing.
	e.mustDo("POST", fmt.Sprintf("/api/v1/unanswered/%d/resolve", open[0].ID), admin, map[string]any{"article_id": a.ID}, http.StatusNoContent, nil)
	e.mustDo("GET", fmt.Sprintf("/api/v1/articles/%d", a.ID), admin, nil, http.StatusOK, &got)
	if got.Version != a.Version {
		t.Errorf("a second link wrote version %d over %d", got.Version, a.Version)
	}
}

// TestSynonymsAPI: staff read the synonyms, only admins replace them, a bad set
// is named, and the bot answers a customer's word the article does not use
// from the next question on.
func TestSynonymsAPI(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	_, agent := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	e.mustDo("POST", "/api/v1/articles/import", admin, []any{
		article("hours-zh", "zh", "营业厅营业时间", "营业厅周一至周六 8:30-17:30 营业，节假日另行通知。"),
		article("pay-zh", "zh", "电费怎么缴费", "可在手机应用、银行或营业厅缴费。"),
	}, http.StatusOK, nil)
	const q = "网点关门了吗"
	ask := func() bot.Reply {
		var r bot.Reply
		e.mustDo("POST", "/api/v1/bot/ask", admin, map[string]any{"text": q, "lang": "zh"}, http.StatusOK, &r)
		return r
	}
	if r := ask(); r.Action == bot.ActionAnswer {
		t.Fatalf("before synonyms: answered %+v; the test's premise is wrong", r.Citations)
	}
	var got struct {
		Sets [][]string `json:"sets"`
	}
	e.mustDo("GET", "/api/v1/synonyms", agent, nil, http.StatusOK, &got)
	if len(got.Sets) != 0 {
		t.Fatalf("synonyms of a new desk: %q", got.Sets)
	}
	sets := map[string]any{"sets": [][]string{{"营业厅", "网点"}, {"营业时间", "关门", "下班"}}}
	if status, _ := e.do("PUT", "/api/v1/synonyms", agent, sets); status != http.StatusForbidden {
		t.Fatalf("agent replacing synonyms: %d, want 403", status)
	}
	status, body := e.do("PUT", "/api/v1/synonyms", admin, map[string]any{"sets": [][]string{{"营业厅", "网点"}, {"网点", "门店"}}})
	if status != http.StatusBadRequest || !strings.Contains(string(body), "sets[1]") {
		t.Fatalf("a word in two sets: %d %s, want 400 naming sets[1]", status, body)
	}
	e.mustDo("PUT", "/api/v1/synonyms", admin, sets, http.StatusOK, &got)
	if len(got.Sets) != 2 {
		t.Fatalf("saved %q", got.Sets)
	}
	if r := ask(); r.Action != bot.ActionAnswer || r.Citations[0].Slug != "hours-zh" {
		t.Fatalf("after synonyms: %s %+v (confidence %.2f), want an answer from hours-zh", r.Action, r.Citations, r.Confidence)
	}
}

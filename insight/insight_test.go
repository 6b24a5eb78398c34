package insight_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/insight"
	"github.com/gridline/gridline/internal/testclock"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/workorder"
)

type env struct {
	t      *testing.T
	ctx    context.Context
	st     *store.DB
	clock  *testclock.Clock
	orders *workorder.Service
	svc    *insight.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	board := memory.NewSwitchboard()
	t.Cleanup(func() { board.Close() })
	clk := testclock.At(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)) // 09:00 in Beijing
	orders := &workorder.Service{Store: st, Board: board, Conversations: st, Now: clk.Now}
	return &env{t: t, ctx: t.Context(), st: st, clock: clk, orders: orders,
		svc: &insight.Service{Store: st, WorkOrders: orders, Now: clk.Now}}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) wantCode(err error, code string) {
	e.t.Helper()
	if gridline.ErrorCode(err) != code {
		e.t.Fatalf("error %v, want %q", err, code)
	}
}

// chat is a conversation of a new customer in the given state.
func (e *env) chat(status gridline.ConversationStatus, owner string) *gridline.Conversation {
	e.t.Helper()
	cu := &gridline.Customer{Lang: gridline.LangZH}
	e.must(e.st.CreateCustomer(e.ctx, cu))
	c := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: "zh", CreatedAt: e.clock.Now()}
	e.must(e.st.CreateConversation(e.ctx, c))
	c.Status, c.OwnerID, c.HandlerID = status, owner, owner
	e.must(e.st.UpdateConversation(e.ctx, c))
	return c
}

var supervisor = &gridline.User{ID: "sup-1", Role: gridline.RoleSupervisor}

// TestBadRatingOfBotChat: a bot-only chat rated 2 with a reason opens one
// call-back order nobody owns (the pool supervisors see), the customer is told
// its number, and rating again updates the rating without a second order.
func TestBadRatingOfBotChat(t *testing.T) {
	e := newEnv(t)
	conv := e.chat(gridline.StatusBot, "")
	in := insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation, MatterID: conv.ID,
		Score: 2, Comment: "答非所问", Reasons: []string{"not_solved", "not_solved"}, Lang: "zh"}
	out, err := e.svc.Rate(e.ctx, in)
	e.must(err)
	if out.FollowUp == nil || out.FollowUp.Type != gridline.WorkOrderConsultation || !strings.Contains(out.Told, out.FollowUp.Number) ||
		!strings.Contains(out.Told, "联系") {
		t.Fatalf("outcome %+v", out)
	}
	wo, err := e.orders.Get(e.ctx, workorder.Actor{User: supervisor}, out.FollowUp.ID)
	e.must(err)
	if wo.OwnerID != "" || !wo.Open() || wo.ConversationID != conv.ID || !strings.Contains(wo.Description, "not_solved") ||
		!strings.Contains(wo.Description, "答非所问") {
		t.Fatalf("follow-up %+v", wo)
	}
	if !gridline.MaySeeWorkOrder(supervisor, wo) {
		t.Fatal("a supervisor cannot see the unowned follow-up")
	}

	e.clock.Advance(time.Minute)
	in.Score, in.Reasons = 1, []string{"attitude"}
	again, err := e.svc.Rate(e.ctx, in)
	e.must(err)
	if again.FollowUp == nil || again.FollowUp.ID != out.FollowUp.ID {
		t.Fatalf("second bad rating opened another follow-up: %+v", again.FollowUp)
	}
	r, err := e.st.RatingOf(e.ctx, gridline.MatterConversation, conv.ID)
	e.must(err)
	if r.Score != 1 || r.Revisions != 1 || len(r.Reasons) != 1 || r.Reasons[0] != "attitude" || r.FollowUpID != wo.ID {
		t.Fatalf("stored rating %+v", r)
	}
	list, err := e.orders.List(e.ctx, supervisor, gridline.WorkOrderFilter{Type: gridline.WorkOrderConsultation})
	e.must(err)
	if len(list) != 1 {
		t.Fatalf("%d follow-up orders, want 1", len(list))
	}

	// A good rating afterwards is thanks only, and keeps the follow-up.
	in.Score, in.Reasons = 5, []string{"attitude"}
	good, err := e.svc.Rate(e.ctx, in)
	e.must(err)
	if good.FollowUp != nil || good.Told != "感谢您的评价！" {
		t.Fatalf("good rating: %+v", good)
	}
	r, _ = e.st.RatingOf(e.ctx, gridline.MatterConversation, conv.ID)
	if r.Score != 5 || len(r.Reasons) != 0 || r.FollowUpID != wo.ID {
		t.Fatalf("after a good rating: %+v", r)
	}
}

// TestBadRatingOfAgentChat: a chat an agent owned, rated 1, is a task for
// that owner.
func TestBadRatingOfAgentChat(t *testing.T) {
	e := newEnv(t)
	conv := e.chat(gridline.StatusResolved, "agent-7")
	out, err := e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation,
		MatterID: conv.ID, Score: 1, Lang: "en"})
	e.must(err)
	wo, err := e.orders.Get(e.ctx, workorder.Actor{System: true}, out.FollowUp.ID)
	e.must(err)
	if wo.OwnerID != "agent-7" || !strings.Contains(out.Told, "contact you") {
		t.Fatalf("follow-up owner %q, told %q", wo.OwnerID, out.Told)
	}
	if r, _ := e.st.RatingOf(e.ctx, gridline.MatterConversation, conv.ID); r.OwnerID != "agent-7" {
		t.Fatalf("rating's owner %q", r.OwnerID)
	}
}

// TestBadRatingReopensOrder: a customer's dissatisfied rating of their closed
// order reopens it to its owner; nobody else may rate it, nor before it is
// handled.
func TestBadRatingReopensOrder(t *testing.T) {
	e := newEnv(t)
	conv := e.chat(gridline.StatusResolved, "")
	owner := &gridline.User{ID: "agent-3", Role: gridline.RoleAgent}
	wo, err := e.orders.Create(e.ctx, workorder.Actor{User: owner}, workorder.NewOrder{Type: gridline.WorkOrderServiceRequest,
		Subtype: "meter_anomaly", CustomerID: conv.CustomerID, Description: "meter runs fast"})
	e.must(err)
	rate := func(customer string, score int) (*insight.Outcome, error) {
		return e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: customer, MatterKind: gridline.MatterWorkOrder,
			MatterID: wo.ID, Score: score, Reasons: []string{"not_solved"}, Lang: "en"})
	}
	_, err = rate(conv.CustomerID, 2)
	e.wantCode(err, gridline.ECONFLICT) // not handled yet
	for _, a := range []string{workorder.ActionHandle, workorder.ActionClose} {
		_, err := e.orders.Act(e.ctx, workorder.Actor{User: owner}, wo.ID, workorder.Action{Name: a, Note: "checked"}, 0)
		if err != nil && a == workorder.ActionClose {
			// Types with a follow-up call close after it.
			_, err = e.orders.Act(e.ctx, workorder.Actor{User: owner}, wo.ID, workorder.Action{Name: workorder.ActionFollowUp, Satisfied: ptr(true)}, 0)
			e.must(err)
			_, err = e.orders.Act(e.ctx, workorder.Actor{User: owner}, wo.ID, workorder.Action{Name: a}, 0)
		}
		e.must(err)
	}
	_, err = rate("someone-else", 1)
	e.wantCode(err, gridline.ENOTFOUND)

	out, err := rate(conv.CustomerID, 2)
	e.must(err)
	got, err := e.orders.Get(e.ctx, workorder.Actor{System: true}, wo.ID)
	e.must(err)
	if got.Status != gridline.WorkOrderAccepted || got.Reopened != 1 || got.OwnerID != owner.ID || out.FollowUp.ID != wo.ID {
		t.Fatalf("after a bad rating: status %s, reopened %d, owner %q", got.Status, got.Reopened, got.OwnerID)
	}
	last := got.Timeline[len(got.Timeline)-1]
	if last.Action != workorder.ActionReopen || !strings.Contains(last.Note, "not_solved") {
		t.Fatalf("timeline's last entry %+v", last)
	}
	// Rated again while reopened: updated, not reopened twice.
	_, err = rate(conv.CustomerID, 1)
	e.must(err)
	got, _ = e.orders.Get(e.ctx, workorder.Actor{System: true}, wo.ID)
	if got.Reopened != 1 {
		t.Fatalf("reopened %d times", got.Reopened)
	}
}

func ptr[T any](v T) *T { return &v }

// TestRatingRules: scores, comments and reasons are checked; a chat still
// with a person is not rated yet; one matter's rating may change only so often.
func TestRatingRules(t *testing.T) {
	e := newEnv(t)
	conv := e.chat(gridline.StatusBot, "")
	base := insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation, MatterID: conv.ID, Score: 4}
	for _, tt := range []struct {
		name string
		mod  func(*insight.RatingInput)
		code string
	}{
		{"score 0", func(in *insight.RatingInput) { in.Score = 0 }, gridline.EINVALID},
		{"score 6", func(in *insight.RatingInput) { in.Score = 6 }, gridline.EINVALID},
		{"long comment", func(in *insight.RatingInput) { in.Comment = strings.Repeat("长", insight.MaxComment+1) }, gridline.EINVALID},
		{"unknown reason", func(in *insight.RatingInput) { in.Score, in.Reasons = 1, []string{"weather"} }, gridline.EINVALID},
		{"another's chat", func(in *insight.RatingInput) { in.CustomerID = "x" }, gridline.ENOTFOUND},
		{"unknown kind", func(in *insight.RatingInput) { in.MatterKind = "call" }, gridline.EINVALID},
	} {
		in := base
		tt.mod(&in)
		_, err := e.svc.Rate(e.ctx, in)
		if gridline.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
		}
	}
	queued := e.chat(gridline.StatusQueued, "")
	_, err := e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: queued.CustomerID, MatterKind: gridline.MatterConversation, MatterID: queued.ID, Score: 3})
	e.wantCode(err, gridline.ECONFLICT)

	for i := 0; i <= insight.MaxRevisions; i++ {
		_, err := e.svc.Rate(e.ctx, base)
		e.must(err)
	}
	_, err = e.svc.Rate(e.ctx, base)
	e.wantCode(err, gridline.ERATELIMITED)
}

// TestReasons: the admins' list replaces the defaults and is what a low
// rating is checked against; a bad list is refused.
func TestReasons(t *testing.T) {
	e := newEnv(t)
	rs, err := e.svc.Reasons(e.ctx)
	e.must(err)
	if len(rs) != len(insight.DefaultReasons) || rs[0].Code != "waited_long" {
		t.Fatalf("default reasons %+v", rs)
	}
	e.wantCode(e.svc.SetReasons(e.ctx, nil), gridline.EINVALID)
	e.wantCode(e.svc.SetReasons(e.ctx, []insight.Reason{{Code: "Bad Code", ZH: "x", EN: "x"}}), gridline.EINVALID)
	e.wantCode(e.svc.SetReasons(e.ctx, []insight.Reason{{Code: "a", ZH: "甲", EN: "A"}, {Code: "a", ZH: "乙", EN: "B"}}), gridline.EINVALID)
	e.must(e.svc.SetReasons(e.ctx, []insight.Reason{{Code: "power_cut", ZH: "停电太久", EN: "Outage too long"}}))
	conv := e.chat(gridline.StatusBot, "")
	_, err = e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation,
		MatterID: conv.ID, Score: 1, Reasons: []string{"waited_long"}})
	e.wantCode(err, gridline.EINVALID)
	_, err = e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation,
		MatterID: conv.ID, Score: 1, Reasons: []string{"power_cut"}})
	e.must(err)
}

// TestFeedback: each kind becomes a work order of its type.
func TestFeedback(t *testing.T) {
	e := newEnv(t)
	conv := e.chat(gridline.StatusBot, "")
	for kind, want := range map[string][2]string{
		insight.FeedbackOpinion:    {gridline.WorkOrderOpinion, "opinion"},
		insight.FeedbackSuggestion: {gridline.WorkOrderOpinion, "suggestion"},
		insight.FeedbackPraise:     {gridline.WorkOrderPraise, ""},
	} {
		got, err := e.svc.Feedback(e.ctx, insight.FeedbackInput{CustomerID: conv.CustomerID, ConversationID: conv.ID, Kind: kind, Text: " 抄表员很耐心 "})
		e.must(err)
		if got.WorkOrder.Type != want[0] || got.WorkOrder.Subtype != want[1] || !strings.Contains(got.Told, got.WorkOrder.Number) {
			t.Errorf("%s: %+v", kind, got)
		}
		wo, _ := e.orders.Get(e.ctx, workorder.Actor{System: true}, got.WorkOrder.ID)
		if wo.Description != "抄表员很耐心" || wo.CustomerID != conv.CustomerID {
			t.Errorf("%s: order %+v", kind, wo)
		}
	}
	_, err := e.svc.Feedback(e.ctx, insight.FeedbackInput{Kind: "complaint", Text: "x"})
	e.wantCode(err, gridline.EINVALID)
	_, err = e.svc.Feedback(e.ctx, insight.FeedbackInput{Kind: "praise", Text: "  "})
	e.wantCode(err, gridline.EINVALID)
}

// TestAnalytics: the report's figures equal what is counted by hand over a
// small data set, each bucket of the window is there (empty ones too), the
// previous window of the same length is compared, and agents are refused.
func TestAnalytics(t *testing.T) {
	e := newEnv(t)
	// Previous window (the day before): one chat rated 4.
	prev := e.chat(gridline.StatusBot, "")
	_, err := e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: prev.CustomerID, MatterKind: gridline.MatterConversation, MatterID: prev.ID, Score: 4})
	e.must(err)
	e.clock.Advance(24 * time.Hour)
	// This window: a bot chat rated 2 (not solved) and one resolved by an agent rated 5.
	a := e.chat(gridline.StatusBot, "")
	b := e.chat(gridline.StatusResolved, "agent-1")
	_, err = e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: a.CustomerID, MatterKind: gridline.MatterConversation, MatterID: a.ID, Score: 2, Reasons: []string{"not_solved"}})
	e.must(err)
	_, err = e.svc.Rate(e.ctx, insight.RatingInput{CustomerID: b.CustomerID, MatterKind: gridline.MatterConversation, MatterID: b.ID, Score: 5})
	e.must(err)

	from := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC) // 2 Dec 00:00 in Beijing
	q := insight.AnalyticsQuery{From: from, To: from.Add(24 * time.Hour), Bucket: gridline.BucketHour}
	_, err = e.svc.Analytics(e.ctx, &gridline.User{ID: "a", Role: gridline.RoleAgent}, q)
	e.wantCode(err, gridline.EFORBIDDEN)
	r, err := e.svc.Analytics(e.ctx, supervisor, q)
	e.must(err)
	c := r.Current
	if c.Conversations != 2 || c.Handoffs != 1 || c.HandoffRate != 0.5 || c.Ratings != 2 || c.AvgRating != 3.5 ||
		c.Distribution != [5]int{0, 1, 0, 0, 1} || len(c.Reasons) != 1 || c.Reasons[0] != (insight.ReasonCount{Code: "not_solved", Count: 1}) ||
		c.OrdersOpened != 1 {
		t.Fatalf("current %+v", c)
	}
	if p := r.Previous; p.Conversations != 1 || p.Ratings != 1 || p.AvgRating != 4 {
		t.Fatalf("previous %+v", p)
	}
	if len(r.Buckets) != 24 || r.Buckets[0].Start != "2026-12-02T00" || r.Buckets[9].Start != "2026-12-02T09" ||
		r.Buckets[9].Conversations != 2 || r.Buckets[9].AvgRating != 3.5 || r.Buckets[8].Conversations != 0 {
		t.Fatalf("buckets %+v", r.Buckets)
	}
	if r.TimeZone != "Asia/Shanghai" {
		t.Fatalf("zone %q", r.TimeZone)
	}
	var csv strings.Builder
	e.must(r.WriteCSV(&csv))
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 1+24+2 || !strings.HasPrefix(lines[10], "2026-12-02T09,2,1,") || !strings.HasPrefix(lines[25], "total,2,1,") {
		t.Fatalf("csv:\n%s", csv.String())
	}

	// Whole days of the calendar name the same window; nothing at all is the
	// last seven days, today included.
	byDay, err := e.svc.Analytics(e.ctx, supervisor, insight.AnalyticsQuery{FromDay: "2026-12-02", ToDay: "2026-12-02", Bucket: gridline.BucketHour})
	e.must(err)
	if !byDay.From.Equal(from) || !byDay.To.Equal(from.Add(24*time.Hour)) || byDay.Current.Conversations != 2 {
		t.Fatalf("by day: %v..%v, %+v", byDay.From, byDay.To, byDay.Current)
	}
	week, err := e.svc.Analytics(e.ctx, supervisor, insight.AnalyticsQuery{})
	e.must(err)
	if len(week.Buckets) != 7 || week.Buckets[6].Start != "2026-12-02" || week.Current.Conversations != 3 {
		t.Fatalf("default window: %d buckets, %+v", len(week.Buckets), week.Current)
	}
	_, err = e.svc.Analytics(e.ctx, supervisor, insight.AnalyticsQuery{FromDay: "2 Dec"})
	e.wantCode(err, gridline.EINVALID)
	_, err = e.svc.Analytics(e.ctx, supervisor, insight.AnalyticsQuery{From: from, To: from.Add(40 * 24 * time.Hour), Bucket: gridline.BucketHour})
	e.wantCode(err, gridline.EINVALID)
	_, err = e.svc.Analytics(e.ctx, supervisor, insight.AnalyticsQuery{From: from, To: from.Add(-time.Hour)})
	e.wantCode(err, gridline.EINVALID)
}

package storetest

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunAnalytics runs the gridline.AnalyticsStore contract, as Run does.
func RunAnalytics(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Analytics", testAnalytics},
	})
}

// testAnalytics: over a small known data set, every bucket and total equals
// what is counted by hand, in the utility's local days and hours; what lies
// outside the window is left out.
func testAnalytics(t *testing.T, st gridline.Store) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, time.UTC) }
	conv := func(created time.Time, messages int, mod func(c *gridline.Conversation)) *gridline.Conversation {
		t.Helper()
		cu := newCustomer(t, st)
		c := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: "zh", CreatedAt: created}
		must(t, st.CreateConversation(ctx(t), c))
		for i := range messages {
			kind := gridline.AuthorBot
			if i == 1 {
				kind = gridline.AuthorCustomer
			}
			_, err := st.AppendMessage(ctx(t), &gridline.Message{ConversationID: c.ID, Author: gridline.Author{Kind: kind}, Text: "x"})
			must(t, err)
		}
		if mod != nil {
			mod(c)
			must(t, st.UpdateConversation(ctx(t), c))
		}
		return c
	}
	// 1 March: a bot-only chat and one handed off (90 s in the queue).
	botOnly := conv(day(1, 1, 0), 3, nil)
	handed := conv(day(1, 10, 0), 2, func(c *gridline.Conversation) {
		q, a := day(1, 10, 0), day(1, 10, 1).Add(30*time.Second)
		c.Status, c.QueuedAt, c.AssignedAt, c.OwnerID, c.HandlerID = gridline.StatusActive, &q, &a, "agent-1", "agent-1"
	})
	// 2 March: greeted only. 28 February: outside the window.
	conv(day(2, 5, 0), 1, nil)
	conv(day(1, 0, 0).Add(-time.Hour), 2, nil)

	rate := func(kind, id string, score int, at time.Time, reasons ...string) {
		t.Helper()
		must(t, st.SaveRating(ctx(t), &gridline.Rating{MatterKind: kind, MatterID: id, Score: score, Reasons: reasons,
			CreatedAt: at, UpdatedAt: at}))
	}
	rate(gridline.MatterConversation, botOnly.ID, 2, day(1, 2, 0), "waited_long", "not_solved")
	rate(gridline.MatterConversation, handed.ID, 5, day(2, 3, 0))
	rate(gridline.MatterWorkOrder, "old", 1, day(1, 0, 0).Add(-time.Minute), "attitude")

	order := func(n int64, created time.Time, closed *time.Time, due time.Time, met *time.Time) {
		t.Helper()
		wo := &gridline.WorkOrder{Number: gridline.WorkOrderNumber("20260301", n), Type: gridline.WorkOrderRepair,
			Status: gridline.WorkOrderAccepted, AreaClass: gridline.AreaUrban, Description: "x", CreatedAt: created, UpdatedAt: created,
			Deadlines: []gridline.Deadline{{Kind: gridline.DeadlineOnSite, StartAt: created, WarnAt: created, DueAt: due, MetAt: met}},
			Timeline:  []gridline.TimelineEntry{{At: created, By: "agent-1", Action: "create", Status: gridline.WorkOrderAccepted}}}
		if closed != nil {
			wo.Status, wo.ClosedAt = gridline.WorkOrderClosed, closed
		}
		must(t, st.CreateWorkOrder(ctx(t), wo))
	}
	closedAt, metAt := day(2, 9, 0), day(1, 9, 0)
	order(1, day(1, 8, 0), &closedAt, day(1, 12, 0), &metAt) // opened 1st, closed 2nd, on time
	order(2, day(2, 1, 0), nil, day(2, 12, 0), nil)          // opened 2nd, overdue
	order(3, day(1, 0, 0).Add(-2*time.Hour), nil, day(3, 12, 0), nil)

	got, err := st.Analytics(ctx(t), gridline.AnalyticsQuery{From: day(1, 0, 0), To: day(3, 0, 0), Bucket: gridline.BucketDay})
	must(t, err)
	first := gridline.ServiceCounts{Conversations: 2, Engaged: 2, BotOnly: 1, Handoffs: 1, Waited: 1, WaitSeconds: 90,
		Ratings: 1, RatingSum: 2, OrdersOpened: 1}
	second := gridline.ServiceCounts{Conversations: 1, Ratings: 1, RatingSum: 5, OrdersOpened: 1, OrdersClosed: 1}
	if len(got.Buckets) != 2 || got.Buckets[0].Start != "2026-03-01" || got.Buckets[1].Start != "2026-03-02" {
		t.Fatalf("buckets: %+v", got.Buckets)
	}
	if !sameCounts(got.Buckets[0].ServiceCounts, first) || !sameCounts(got.Buckets[1].ServiceCounts, second) {
		t.Fatalf("buckets:\n got %+v\nwant %+v %+v", got.Buckets, first, second)
	}
	total := gridline.ServiceCounts{Conversations: 3, Engaged: 2, BotOnly: 1, Handoffs: 1, Waited: 1, WaitSeconds: 90,
		Ratings: 2, RatingSum: 7, OrdersOpened: 2, OrdersClosed: 1}
	if !sameCounts(got.Total, total) {
		t.Fatalf("total %+v, want %+v", got.Total, total)
	}
	if got.Distribution != [5]int{0, 1, 0, 0, 1} {
		t.Fatalf("distribution %v", got.Distribution)
	}
	if !reflect.DeepEqual(got.Reasons, map[string]int{"waited_long": 1, "not_solved": 1}) {
		t.Fatalf("reasons %v", got.Reasons)
	}
	if got.OrdersOverdue != 1 {
		t.Fatalf("overdue %d, want 1", got.OrdersOverdue)
	}

	// Hours in UTC+8: the bot-only chat (01:00 UTC) is 09:00 local; the handed
	// off one 18:00.
	got, err = st.Analytics(ctx(t), gridline.AnalyticsQuery{From: day(1, 0, 0), To: day(2, 0, 0), Bucket: gridline.BucketHour, UTCOffset: 480})
	must(t, err)
	starts := map[string]int{}
	for _, b := range got.Buckets {
		starts[b.Start] = b.Conversations
	}
	if starts["2026-03-01T09"] != 1 || starts["2026-03-01T18"] != 1 || got.Total.Conversations != 2 {
		t.Fatalf("hour buckets: %+v", got.Buckets)
	}

	_, err = st.Analytics(ctx(t), gridline.AnalyticsQuery{From: day(1, 0, 0), To: day(2, 0, 0), Bucket: "week"})
	wantCode(t, err, gridline.EINVALID)
}

// sameCounts compares counts, the summed wait to the millisecond.
func sameCounts(a, b gridline.ServiceCounts) bool {
	if math.Abs(a.WaitSeconds-b.WaitSeconds) > 0.001 {
		return false
	}
	a.WaitSeconds = b.WaitSeconds
	return a == b
}

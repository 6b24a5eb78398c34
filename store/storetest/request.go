package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunRequests runs the gridline.RequestStore contract, as Run does.
func RunRequests(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Request", testRequest},
	})
}

func testRequest(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	base := time.Now().Add(-time.Hour)
	var reqs []*gridline.Request
	for i, kind := range []string{gridline.RequestMessage, gridline.RequestCallback, gridline.RequestHandoff} {
		r := &gridline.Request{Kind: kind, ConversationID: conv.ID, CustomerID: conv.CustomerID, Phone: "95598",
			Text: fmt.Sprintf("request %d", i), CreatedAt: base.Add(time.Duration(i) * time.Minute), Status: "closed"}
		must(t, st.CreateRequest(c, r))
		if r.ID == 0 || r.Status != "open" {
			t.Fatalf("CreateRequest: %+v", r)
		}
		reqs = append(reqs, r)
	}
	must(t, st.CloseRequest(c, reqs[1].ID, "agent-1"))
	must(t, st.CloseRequest(c, reqs[1].ID, "agent-2")) // closing twice keeps the first closer
	wantCode(t, st.CloseRequest(c, 99999, "agent-1"), gridline.ENOTFOUND)

	ids := func(rs []*gridline.Request) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all, err := st.ListRequests(c, "")
	must(t, err)
	if want := []int64{reqs[2].ID, reqs[1].ID, reqs[0].ID}; !slices.Equal(ids(all), want) {
		t.Errorf("all requests %v, want newest first %v", ids(all), want)
	}
	open, err := st.ListRequests(c, "open")
	must(t, err)
	if want := []int64{reqs[2].ID, reqs[0].ID}; !slices.Equal(ids(open), want) {
		t.Errorf("open requests %v, want %v", ids(open), want)
	}
	closed, err := st.ListRequests(c, "closed")
	must(t, err)
	if len(closed) != 1 {
		t.Fatalf("closed requests: %+v", closed)
	}
	got := closed[0]
	if got.ClosedBy != "agent-1" || got.ClosedAt == nil || got.Text != "request 1" || got.Kind != gridline.RequestCallback ||
		got.Phone != "95598" || got.ConversationID != conv.ID || !got.CreatedAt.Equal(reqs[1].CreatedAt) {
		t.Errorf("closed request = %+v", got)
	}
	recent(t, "ClosedAt", *got.ClosedAt)
}

package storetest

import (
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunRatings runs the gridline.RatingStore contract, as Run does.
func RunRatings(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"RatingIdempotent", testRatingIdempotent},
		{"RatingConcurrent", testRatingConcurrent},
	})
}

// testRatingIdempotent: a matter has one rating; rating again replaces score,
// comment and reasons, keeps the id and the creation time and counts a
// revision; the customer's count of recent ratings is what the limit reads.
func testRatingIdempotent(t *testing.T, st gridline.Store) {
	_, err := st.RatingOf(ctx(t), gridline.MatterConversation, "c1")
	wantCode(t, err, gridline.ENOTFOUND)

	first := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	r := &gridline.Rating{MatterKind: gridline.MatterConversation, MatterID: "c1", CustomerID: "cu1", Score: 2,
		Comment: "slow", Reasons: []string{"waited_long", "not_solved"}, CreatedAt: first, UpdatedAt: first}
	must(t, st.SaveRating(ctx(t), r))
	if r.ID == "" || r.Revisions != 0 {
		t.Fatalf("first rating: %+v", r)
	}
	id := r.ID

	again := &gridline.Rating{MatterKind: gridline.MatterConversation, MatterID: "c1", CustomerID: "cu1", Score: 4,
		Comment: "fine after all", Reasons: []string{"other"}, FollowUpID: "wo1", UpdatedAt: first.Add(time.Minute)}
	must(t, st.SaveRating(ctx(t), again))
	if again.ID != id || again.Revisions != 1 || !again.CreatedAt.Equal(first) {
		t.Fatalf("second rating: id %q (want %q), revisions %d, created %v", again.ID, id, again.Revisions, again.CreatedAt)
	}
	got, err := st.RatingOf(ctx(t), gridline.MatterConversation, "c1")
	must(t, err)
	if got.Score != 4 || got.Comment != "fine after all" || !reflect.DeepEqual(got.Reasons, []string{"other"}) ||
		got.FollowUpID != "wo1" || got.Revisions != 1 || !got.CreatedAt.Equal(first) || !got.UpdatedAt.Equal(first.Add(time.Minute)) {
		t.Fatalf("stored rating: %+v", got)
	}
	// The same id on another kind is another matter.
	must(t, st.SaveRating(ctx(t), &gridline.Rating{MatterKind: gridline.MatterWorkOrder, MatterID: "c1", CustomerID: "cu1",
		Score: 5, UpdatedAt: first.Add(2 * time.Minute)}))

	n, err := st.CustomerRatingsSince(ctx(t), "cu1", first.Add(30*time.Second))
	must(t, err)
	if n != 2 {
		t.Fatalf("ratings of cu1 since: %d, want 2", n)
	}
	n, err = st.CustomerRatingsSince(ctx(t), "cu2", first)
	must(t, err)
	if n != 0 {
		t.Fatalf("ratings of cu2: %d", n)
	}
}

// testRatingConcurrent: ratings of one matter sent at once leave one row, and
// every one of them counted as a revision.
func testRatingConcurrent(t *testing.T, st gridline.Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.SaveRating(ctx(t), &gridline.Rating{MatterKind: gridline.MatterWorkOrder, MatterID: "wo9",
				CustomerID: "cu9", Score: i%5 + 1, Reasons: []string{"a", "b"}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	got, err := st.RatingOf(ctx(t), gridline.MatterWorkOrder, "wo9")
	must(t, err)
	if got.Revisions != n-1 || !slices.Equal(got.Reasons, []string{"a", "b"}) {
		t.Fatalf("after %d concurrent ratings: %+v", n, got)
	}
}

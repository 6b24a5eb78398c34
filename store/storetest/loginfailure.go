package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunLoginFailures runs the gridline.LoginFailureStore contract, as Run does.
func RunLoginFailures(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"LoginFailuresCount", testLoginFailuresCount},
		{"LoginFailuresConcurrent", testLoginFailuresConcurrent},
	})
}

func testLoginFailuresCount(t *testing.T, st gridline.Store) {
	c := ctx(t)
	f, err := st.LoginFailures(c, "ann@example.com")
	must(t, err)
	if f.Count != 0 {
		t.Fatalf("fresh tally = %+v", f)
	}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		f, err = st.AddLoginFailure(c, " Ann@Example.com", t0.Add(time.Duration(i)*time.Minute))
		must(t, err)
		if f.Count != i {
			t.Fatalf("after %d failures count = %d", i, f.Count)
		}
	}
	if !f.FirstAt.Equal(t0.Add(time.Minute)) || !f.LastAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("tally times = %v … %v", f.FirstAt, f.LastAt)
	}
	got, err := st.LoginFailures(c, "ANN@example.com")
	must(t, err)
	if got.Count != 3 || !got.LastAt.Equal(f.LastAt) {
		t.Fatalf("LoginFailures = %+v, want %+v", got, f)
	}
	// A tally older than the window starts again.
	later := t0.Add(3*time.Minute + gridline.LoginFailureWindow + time.Second)
	f, err = st.AddLoginFailure(c, "ann@example.com", later)
	must(t, err)
	if f.Count != 1 || !f.FirstAt.Equal(later) {
		t.Fatalf("after the window: %+v", f)
	}
	cleared, err := st.ClearLoginFailures(c, "ann@example.com")
	must(t, err)
	if cleared.Count != 1 {
		t.Fatalf("cleared %+v", cleared)
	}
	if f, _ := st.LoginFailures(c, "ann@example.com"); f.Count != 0 {
		t.Fatalf("after clear: %+v", f)
	}
	if cleared, _ := st.ClearLoginFailures(c, "ann@example.com"); cleared.Count != 0 {
		t.Fatalf("clearing twice: %+v", cleared)
	}
}

// testLoginFailuresConcurrent: failures from several replicas at once all count.
func testLoginFailuresConcurrent(t *testing.T, st gridline.Store) {
	c := ctx(t)
	var wg sync.WaitGroup
	at := time.Now()
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.AddLoginFailure(c, "bob@example.com", at); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f, err := st.LoginFailures(c, "bob@example.com")
	must(t, err)
	if f.Count != 20 {
		t.Fatalf("20 concurrent failures counted %d", f.Count)
	}
}

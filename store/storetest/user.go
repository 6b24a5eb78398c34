package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunUsers runs the gridline.UserStore contract, as Run does.
func RunUsers(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"User", testUser},
	})
}

func testUser(t *testing.T, st gridline.Store) {
	c := ctx(t)
	u := &gridline.User{Email: "Li.Wei@Example.com", Name: "Li Wei", Role: gridline.RoleAgent,
		Skills: []string{gridline.SkillBilling, gridline.SkillRepair}, Capacity: 3, PasswordHash: "hash"}
	must(t, st.CreateUser(c, u))
	if u.ID == "" {
		t.Fatal("CreateUser gave no ID")
	}
	recent(t, "user CreatedAt", u.CreatedAt)
	for _, email := range []string{"Li.Wei@Example.com", "li.wei@example.com", "LI.WEI@EXAMPLE.COM"} {
		got, err := st.UserByEmail(c, email)
		must(t, err)
		if !equalUser(got, u) {
			t.Errorf("UserByEmail(%q) = %+v, want %+v", email, got, u)
		}
	}
	got, err := st.User(c, u.ID)
	must(t, err)
	if !equalUser(got, u) {
		t.Errorf("User = %+v, want %+v", got, u)
	}
	wantCode(t, st.CreateUser(c, &gridline.User{Email: "li.wei@EXAMPLE.com", Role: gridline.RoleAgent}), gridline.ECONFLICT)

	other := &gridline.User{Email: "admin@example.com", Role: gridline.RoleAdmin}
	must(t, st.CreateUser(c, other))
	if other.Skills == nil {
		t.Error("a user without skills should have an empty list, not nil")
	}

	u.Name, u.Skills, u.Capacity, u.Disabled, u.Role, u.PasswordHash = "Wei Li", []string{gridline.SkillComplaint}, 5, true, gridline.RoleSupervisor, "hash2"
	must(t, st.UpdateUser(c, u))
	got, err = st.User(c, u.ID)
	must(t, err)
	if !equalUser(got, u) {
		t.Errorf("after update User = %+v, want %+v", got, u)
	}
	u.Email = "ADMIN@example.com"
	wantCode(t, st.UpdateUser(c, u), gridline.ECONFLICT)
	wantCode(t, st.UpdateUser(c, &gridline.User{ID: "nobody", Email: "x@y.z"}), gridline.ENOTFOUND)
	_, err = st.User(c, "nobody")
	wantCode(t, err, gridline.ENOTFOUND)
	_, err = st.UserByEmail(c, "nobody@example.com")
	wantCode(t, err, gridline.ENOTFOUND)

	users, err := st.ListUsers(c)
	must(t, err)
	if len(users) != 2 {
		t.Errorf("ListUsers: %d users, want 2", len(users))
	}
}

func equalUser(a, b *gridline.User) bool {
	return a.ID == b.ID && a.Email == b.Email && a.Name == b.Name && a.Role == b.Role && slices.Equal(a.Skills, b.Skills) &&
		a.Capacity == b.Capacity && a.Disabled == b.Disabled && a.PasswordHash == b.PasswordHash && a.CreatedAt.Equal(b.CreatedAt)
}

// RunSessions runs the gridline.SessionStore contract, as Run does.
func RunSessions(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Session", testSession},
	})
}

func testSession(t *testing.T, st gridline.Store) {
	c := ctx(t)
	u := &gridline.User{Email: "s@example.com", Role: gridline.RoleAgent}
	must(t, st.CreateUser(c, u))

	live := &gridline.Session{TokenHash: "live", UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, st.CreateSession(c, live))
	got, err := st.Session(c, "live")
	must(t, err)
	if got.UserID != u.ID || !got.ExpiresAt.Equal(live.ExpiresAt) || !got.CreatedAt.Equal(live.CreatedAt) {
		t.Errorf("Session = %+v, want %+v", got, live)
	}

	expired := &gridline.Session{TokenHash: "expired", UserID: u.ID, ExpiresAt: time.Now().Add(-time.Second)}
	must(t, st.CreateSession(c, expired))
	_, err = st.Session(c, "expired")
	wantCode(t, err, gridline.ENOTFOUND)

	soon := &gridline.Session{TokenHash: "soon", UserID: u.ID, ExpiresAt: time.Now().Add(300 * time.Millisecond)}
	must(t, st.CreateSession(c, soon))
	_, err = st.Session(c, "soon")
	must(t, err)
	time.Sleep(400 * time.Millisecond)
	_, err = st.Session(c, "soon")
	wantCode(t, err, gridline.ENOTFOUND)

	must(t, st.DeleteSession(c, "live"))
	_, err = st.Session(c, "live")
	wantCode(t, err, gridline.ENOTFOUND)
	must(t, st.DeleteSession(c, "live")) // logging out twice is harmless
	_, err = st.Session(c, "never")
	wantCode(t, err, gridline.ENOTFOUND)
}

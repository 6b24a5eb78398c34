// Package storetest is the contract every gridline.Store passes: one body of
// tests, run against SQLite and PostgreSQL (and any future store) through a
// factory, so that the two databases cannot drift apart in behaviour the rest of
// Gridline relies on — seqs without gaps, idempotent resends, owners that never
// change, article history, all-or-nothing imports.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// Run runs the contract against stores made by open. Each subtest gets a store of
// its own from open, which must be empty, and may run in parallel with others.
func Run(t *testing.T, open func(t *testing.T) gridline.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st gridline.Store)
	}{
		{"Ping", testPing},
		{"Customer", testCustomer},
		{"Conversation", testConversation},
		{"ConversationOwnerNeverChanges", testOwnerNeverChanges},
		{"ListConversations", testListConversations},
		{"Messages", testMessages},
		{"MessageResend", testMessageResend},
		{"AppendMessageConcurrent", testAppendConcurrent},
		{"AppendMessageResendRace", testResendRace},
		{"User", testUser},
		{"Session", testSession},
		{"Setting", testSetting},
		{"Article", testArticle},
		{"ArticleVersions", testArticleVersions},
		{"ImportArticles", testImportArticles},
		{"ImportArticlesAllOrNothing", testImportAllOrNothing},
		{"Unanswered", testUnanswered},
		{"Request", testRequest},
		{"Figures", testFigures},
		{"RateConversation", testRateConversation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// ctx is the context of one test: cancelled when the test ends, and bounded so
// that a deadlocked store fails instead of hanging the suite.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantCode fails t unless err carries the gridline error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := gridline.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recent fails t unless tm is a UTC time within a minute of now.
func recent(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s %v is not in UTC", what, tm)
	}
	if d := time.Since(tm); d < -time.Minute || d > time.Minute {
		t.Errorf("%s %v is not about now", what, tm)
	}
}

func testPing(t *testing.T, st gridline.Store) {
	must(t, st.Ping(ctx(t)))
}

func newCustomer(t *testing.T, st gridline.Store) *gridline.Customer {
	t.Helper()
	c := &gridline.Customer{Lang: gridline.LangZH}
	must(t, st.CreateCustomer(ctx(t), c))
	return c
}

func newConversation(t *testing.T, st gridline.Store) *gridline.Conversation {
	t.Helper()
	cu := newCustomer(t, st)
	c := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: cu.Lang}
	must(t, st.CreateConversation(ctx(t), c))
	return c
}

func testCustomer(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := &gridline.Customer{Name: "张三", Phone: "13800000000", Lang: gridline.LangZH}
	must(t, st.CreateCustomer(c, cu))
	if cu.ID == "" {
		t.Fatal("CreateCustomer gave no ID")
	}
	recent(t, "CreatedAt", cu.CreatedAt)

	got, err := st.Customer(c, cu.ID)
	must(t, err)
	if *got != *cu {
		t.Errorf("Customer = %+v, want %+v", got, cu)
	}

	cu.Name, cu.AccountNo, cu.Lang = "Zhang San", "0012345678", gridline.LangEN
	must(t, st.UpdateCustomer(c, cu))
	got, err = st.Customer(c, cu.ID)
	must(t, err)
	if *got != *cu {
		t.Errorf("after update Customer = %+v, want %+v", got, cu)
	}

	_, err = st.Customer(c, "nobody")
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.UpdateCustomer(c, &gridline.Customer{ID: "nobody"}), gridline.ENOTFOUND)
	wantCode(t, st.CreateCustomer(c, &gridline.Customer{ID: cu.ID}), gridline.ECONFLICT)

	// A caller's own ID and time are kept, in UTC.
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	own := &gridline.Customer{ID: "customer-own-id", Lang: gridline.LangEN, CreatedAt: at}
	must(t, st.CreateCustomer(c, own))
	got, err = st.Customer(c, "customer-own-id")
	must(t, err)
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, at)
	}
}

func testConversation(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: gridline.LangZH}
	must(t, st.CreateConversation(c, conv))
	if conv.ID == "" || conv.CreatedAt.IsZero() || conv.UpdatedAt.IsZero() {
		t.Fatalf("CreateConversation left zero fields: %+v", conv)
	}
	got, err := st.Conversation(c, conv.ID)
	must(t, err)
	if !equalConversation(got, conv) {
		t.Errorf("Conversation = %+v, want %+v", got, conv)
	}

	queued := time.Now().Add(-time.Minute)
	conv.Status, conv.Skill, conv.Priority, conv.Urgent = gridline.StatusQueued, gridline.SkillRepair, gridline.PriorityUrgent, true
	conv.QueuedAt = &queued
	must(t, st.UpdateConversation(c, conv))
	got, err = st.Conversation(c, conv.ID)
	must(t, err)
	if got.Status != gridline.StatusQueued || got.Skill != gridline.SkillRepair || got.Priority != gridline.PriorityUrgent ||
		!got.Urgent || got.QueuedAt == nil || !got.QueuedAt.Equal(queued.Truncate(time.Microsecond)) || got.AssignedAt != nil {
		t.Errorf("after update Conversation = %+v", got)
	}
	if !equalConversation(got, conv) {
		t.Errorf("UpdateConversation left the caller's copy %+v, stored %+v", conv, got)
	}
	if got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("UpdatedAt %v before CreatedAt %v", got.UpdatedAt, got.CreatedAt)
	}

	// Clearing a time stores NULL again.
	resolved := time.Now()
	conv.Status, conv.QueuedAt, conv.ResolvedAt, conv.Rating = gridline.StatusResolved, nil, &resolved, 5
	must(t, st.UpdateConversation(c, conv))
	got, err = st.Conversation(c, conv.ID)
	must(t, err)
	if got.QueuedAt != nil || got.ResolvedAt == nil || got.Rating != 5 {
		t.Errorf("after resolve Conversation = %+v", got)
	}

	_, err = st.Conversation(c, "nothing")
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.UpdateConversation(c, &gridline.Conversation{ID: "nothing", Status: gridline.StatusBot}), gridline.ENOTFOUND)
	wantCode(t, st.CreateConversation(c, &gridline.Conversation{ID: conv.ID, CustomerID: cu.ID, Status: gridline.StatusBot}),
		gridline.ECONFLICT)
}

// equalConversation compares conversations field by field, times by instant.
func equalConversation(a, b *gridline.Conversation) bool {
	eqp := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return x.Equal(*y)
	}
	return a.ID == b.ID && a.CustomerID == b.CustomerID && a.Status == b.Status && a.Lang == b.Lang &&
		a.Skill == b.Skill && a.Priority == b.Priority && a.Urgent == b.Urgent && a.OwnerID == b.OwnerID &&
		a.HandlerID == b.HandlerID && a.LastSeq == b.LastSeq && a.Rating == b.Rating &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		eqp(a.QueuedAt, b.QueuedAt) && eqp(a.AssignedAt, b.AssignedAt) && eqp(a.ResolvedAt, b.ResolvedAt)
}

func testOwnerNeverChanges(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)

	// The first agent to take the matter becomes its owner and handler.
	conv.Status, conv.OwnerID, conv.HandlerID = gridline.StatusActive, "agent-a", "agent-a"
	must(t, st.UpdateConversation(c, conv))

	// A transfer changes the handler; a caller that also tries to move (or clear)
	// the owner is ignored on that point.
	for _, owner := range []string{"agent-b", ""} {
		conv.OwnerID, conv.HandlerID = owner, "agent-b"
		must(t, st.UpdateConversation(c, conv))
		if conv.OwnerID != "agent-a" {
			t.Errorf("UpdateConversation gave the caller owner %q, want agent-a", conv.OwnerID)
		}
		got, err := st.Conversation(c, conv.ID)
		must(t, err)
		if got.OwnerID != "agent-a" || got.HandlerID != "agent-b" {
			t.Errorf("owner %q handler %q, want agent-a agent-b", got.OwnerID, got.HandlerID)
		}
	}

	// Two agents racing to take an unowned matter: exactly one becomes the owner.
	conv2 := newConversation(t, st)
	var wg sync.WaitGroup
	owners := make([]string, 8)
	for i := range owners {
		wg.Go(func() {
			cp := *conv2
			cp.OwnerID, cp.HandlerID = fmt.Sprintf("agent-%d", i), fmt.Sprintf("agent-%d", i)
			if err := st.UpdateConversation(c, &cp); err != nil {
				t.Error(err)
			}
			owners[i] = cp.OwnerID
		})
	}
	wg.Wait()
	got, err := st.Conversation(c, conv2.ID)
	must(t, err)
	for i, o := range owners {
		if o != got.OwnerID {
			t.Errorf("racer %d was told owner %q, stored owner is %q", i, o, got.OwnerID)
		}
	}
}

func testListConversations(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	other := newCustomer(t, st)
	base := time.Now().Add(-time.Hour)
	var ids []string
	for i := range 5 {
		conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: gridline.LangEN,
			CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if i%2 == 1 {
			conv.Status, conv.OwnerID, conv.HandlerID = gridline.StatusActive, "owner-1", "handler-1"
		}
		must(t, st.CreateConversation(c, conv))
		ids = append(ids, conv.ID)
	}
	must(t, st.CreateConversation(c, &gridline.Conversation{CustomerID: other.ID, Status: gridline.StatusQueued}))

	idsOf := func(cs []*gridline.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    gridline.ConversationFilter
		want []string
	}{
		{"customer newest first", gridline.ConversationFilter{CustomerID: cu.ID}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"status", gridline.ConversationFilter{CustomerID: cu.ID, Status: gridline.StatusActive}, []string{ids[3], ids[1]}},
		{"owner", gridline.ConversationFilter{OwnerID: "owner-1"}, []string{ids[3], ids[1]}},
		{"handler", gridline.ConversationFilter{HandlerID: "handler-1"}, []string{ids[3], ids[1]}},
		{"limit", gridline.ConversationFilter{CustomerID: cu.ID, Limit: 2}, []string{ids[4], ids[3]}},
		{"nothing", gridline.ConversationFilter{OwnerID: "nobody"}, nil},
	} {
		got, err := st.ListConversations(c, tt.f)
		must(t, err)
		if !slices.Equal(idsOf(got), tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, idsOf(got), tt.want)
		}
	}
	all, err := st.ListConversations(c, gridline.ConversationFilter{})
	must(t, err)
	if len(all) != 6 {
		t.Errorf("all conversations: %d, want 6", len(all))
	}
}

func testMessages(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	msgs := []*gridline.Message{
		{ConversationID: conv.ID, ClientID: "c-1", Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: conv.CustomerID}, Text: "停电了"},
		{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorBot, Name: "Gridline"}, Text: "请查看",
			Citations:    []gridline.Citation{{ID: 7, Slug: "outage", Title: "停电怎么办"}},
			QuickReplies: []gridline.QuickReply{{ID: "human", Label: "人工"}}},
		{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorAgent, ID: "u1", Name: "Li"}, Text: "hello"},
	}
	for i, m := range msgs {
		created, err := st.AppendMessage(c, m)
		must(t, err)
		if !created || m.Seq != int64(i+1) {
			t.Fatalf("message %d: created %v seq %d", i, created, m.Seq)
		}
		recent(t, "message CreatedAt", m.CreatedAt)
	}
	got, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("Messages: %d, want 3", len(got))
	}
	for i := range got {
		if !equalMessage(got[i], msgs[i]) {
			t.Errorf("message %d = %+v, want %+v", i, got[i], msgs[i])
		}
	}
	got, err = st.Messages(c, conv.ID, 1, 1)
	must(t, err)
	if len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("Messages after 1 limit 1 = %v", got)
	}
	got, err = st.Messages(c, conv.ID, 3, 0)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("Messages after the last = %v", got)
	}

	stored, err := st.Conversation(c, conv.ID)
	must(t, err)
	if stored.LastSeq != 3 {
		t.Errorf("LastSeq = %d, want 3", stored.LastSeq)
	}
	if stored.UpdatedAt.Before(msgs[2].CreatedAt) {
		t.Errorf("conversation UpdatedAt %v before last message %v", stored.UpdatedAt, msgs[2].CreatedAt)
	}
	// UpdateConversation does not move LastSeq, whatever the caller holds.
	stored.LastSeq = 0
	must(t, st.UpdateConversation(c, stored))
	if stored.LastSeq != 3 {
		t.Errorf("after UpdateConversation LastSeq = %d, want 3", stored.LastSeq)
	}

	_, err = st.AppendMessage(c, &gridline.Message{ConversationID: "nothing", Author: gridline.Author{Kind: gridline.AuthorBot}, Text: "x"})
	wantCode(t, err, gridline.ENOTFOUND)
	// The same client id in another conversation is another message.
	conv2 := newConversation(t, st)
	created, err := st.AppendMessage(c, &gridline.Message{ConversationID: conv2.ID, ClientID: "c-1", Text: "again",
		Author: gridline.Author{Kind: gridline.AuthorCustomer}})
	must(t, err)
	if !created {
		t.Error("client id of another conversation counted as a resend")
	}
}

func equalMessage(a, b *gridline.Message) bool {
	return a.ConversationID == b.ConversationID && a.Seq == b.Seq && a.ClientID == b.ClientID && a.Author == b.Author &&
		a.Text == b.Text && slices.Equal(a.Citations, b.Citations) && slices.Equal(a.QuickReplies, b.QuickReplies) &&
		a.CreatedAt.Equal(b.CreatedAt)
}

func testMessageResend(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	first := &gridline.Message{ConversationID: conv.ID, ClientID: "abc", Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "hi"}
	created, err := st.AppendMessage(c, first)
	must(t, err)
	if !created {
		t.Fatal("first send not created")
	}
	_, err = st.AppendMessage(c, &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorBot}, Text: "reply"})
	must(t, err)

	resend := &gridline.Message{ConversationID: conv.ID, ClientID: "abc", Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "hi (edited?)"}
	created, err = st.AppendMessage(c, resend)
	must(t, err)
	if created {
		t.Error("resend reported created")
	}
	if !equalMessage(resend, first) {
		t.Errorf("resend returned %+v, want the stored %+v", resend, first)
	}
	all, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(all) != 2 {
		t.Errorf("%d messages stored, want 2", len(all))
	}
	stored, err := st.Conversation(c, conv.ID)
	must(t, err)
	if stored.LastSeq != 2 {
		t.Errorf("LastSeq = %d after a resend, want 2", stored.LastSeq)
	}
}

// testAppendConcurrent appends from many goroutines at once, to one conversation
// and to several: every conversation's seqs must be exactly 1..n.
func testAppendConcurrent(t *testing.T, st gridline.Store) {
	c := ctx(t)
	const goroutines, perGoroutine = 50, 4
	convs := []*gridline.Conversation{newConversation(t, st), newConversation(t, st), newConversation(t, st)}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				conv := convs[(g+i)%len(convs)]
				m := &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorCustomer},
					Text: fmt.Sprintf("g%d-%d", g, i)}
				if i%2 == 0 {
					m.ClientID = fmt.Sprintf("g%d-%d", g, i)
				}
				created, err := st.AppendMessage(c, m)
				if err != nil {
					t.Error(err)
					return
				}
				if !created || m.Seq <= 0 {
					t.Errorf("append: created %v seq %d", created, m.Seq)
				}
				// Appends that fail among the others (an unknown conversation, a
				// caller that gave up) fail alone and leave no trace.
				if i == 1 {
					_, err := st.AppendMessage(c, &gridline.Message{ConversationID: "missing",
						Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "lost"})
					if gridline.ErrorCode(err) != gridline.ENOTFOUND {
						t.Errorf("append to an unknown conversation: %v, want ENOTFOUND", err)
					}
					gone, cancel := context.WithCancel(c)
					cancel()
					m := &gridline.Message{ConversationID: conv.ID, ClientID: fmt.Sprintf("gone-%d", g),
						Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "gone"}
					if created, err := st.AppendMessage(gone, m); err == nil || created {
						t.Errorf("append with a cancelled context: created %v, error %v", created, err)
					}
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, conv := range convs {
		msgs, err := st.Messages(c, conv.ID, 0, 0)
		must(t, err)
		for i, m := range msgs {
			if m.Text == "gone" {
				t.Errorf("a message sent with a cancelled context was stored: %+v", m)
			}
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %s: message %d has seq %d; seqs must be 1..n without gaps", conv.ID, i, m.Seq)
			}
		}
		got, err := st.Conversation(c, conv.ID)
		must(t, err)
		if got.LastSeq != int64(len(msgs)) {
			t.Errorf("LastSeq %d, %d messages", got.LastSeq, len(msgs))
		}
		total += len(msgs)
	}
	if total != goroutines*perGoroutine {
		t.Errorf("%d messages stored, want %d", total, goroutines*perGoroutine)
	}
}

// testResendRace sends one client id from many goroutines at once, as a client
// retrying on several sockets might: one is created, all see the same seq.
func testResendRace(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	const racers = 20
	for round := range 3 {
		clientID := fmt.Sprintf("dup-%d", round)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			seqs    = map[int64]bool{}
		)
		for range racers {
			wg.Go(func() {
				m := &gridline.Message{ConversationID: conv.ID, ClientID: clientID,
					Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "same"}
				ok, err := st.AppendMessage(c, m)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					created++
				}
				seqs[m.Seq] = true
			})
		}
		wg.Wait()
		if created != 1 || len(seqs) != 1 || !seqs[int64(round+1)] {
			t.Errorf("round %d: %d created, seqs %v; want 1 created with seq %d", round, created, seqs, round+1)
		}
	}
	msgs, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(msgs) != 3 {
		t.Errorf("%d messages stored, want 3", len(msgs))
	}
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

func testSetting(t *testing.T, st gridline.Store) {
	c := ctx(t)
	_, err := st.Setting(c, "secret")
	wantCode(t, err, gridline.ENOTFOUND)
	must(t, st.SetSetting(c, "secret", "one"))
	must(t, st.SetSetting(c, "secret", "two"))
	v, err := st.Setting(c, "secret")
	must(t, err)
	if v != "two" {
		t.Errorf("Setting = %q, want two", v)
	}
	must(t, st.SetSetting(c, "empty", ""))
	v, err = st.Setting(c, "empty")
	must(t, err)
	if v != "" {
		t.Errorf("Setting(empty) = %q", v)
	}
}

func testArticle(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Article{Slug: "pay-bill", Lang: gridline.LangZH, Title: "如何缴纳电费", Body: "可通过网上营业厅缴费。",
		Tags: []string{"缴费", "电费"}, Status: gridline.ArticlePublished, UpdatedBy: "admin"}
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
		slices.Equal(a.Tags, b.Tags) && a.Status == b.Status && a.Version == b.Version && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.UpdatedBy == b.UpdatedBy
}

func testArticleVersions(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Article{Slug: "outage", Lang: gridline.LangEN, Title: "v1", Body: "one", Status: gridline.ArticleDraft, UpdatedBy: "u1"}
	must(t, st.CreateArticle(c, a))
	v1 := *a
	a.Title, a.Body, a.Status, a.Tags, a.UpdatedBy = "v2", "two", gridline.ArticlePublished, []string{"power"}, "u2"
	must(t, st.UpdateArticle(c, a, 1))
	v2 := *a
	a.Title, a.Body, a.UpdatedBy = "v3", "three", "u3"
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

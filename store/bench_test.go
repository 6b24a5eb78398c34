package store_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/store"
)

// BenchmarkAppendMessage measures stored messages per second: one writer after
// another on one conversation, and 100 writers at once, each on a conversation
// of its own (100 customers typing), on SQLite and on PostgreSQL. Every message
// carries a client id, as a customer's does, so the idempotency check is paid.
//
//	GRIDLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench AppendMessage -benchtime 3s ./store/
func BenchmarkAppendMessage(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{"sqlite", openSQLite},
		{"postgres", openPostgres},
	} {
		b.Run(db.name+"/sequential", func(b *testing.B) {
			st := db.open(b)
			conv := benchConversations(b, st, 1)[0]
			b.ResetTimer()
			for i := range b.N {
				appendOne(b, st, conv.ID, fmt.Sprintf("seq-%d", i))
			}
			reportRate(b)
		})
		b.Run(db.name+"/parallel100", func(b *testing.B) {
			const writers = 100
			st := db.open(b)
			convs := benchConversations(b, st, writers)
			var next, sent atomic.Int64
			b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				conv := convs[int(next.Add(1)-1)%writers]
				for pb.Next() {
					appendOne(b, st, conv.ID, fmt.Sprintf("par-%d", sent.Add(1)))
				}
			})
			reportRate(b)
		})
	}
}

func benchConversations(b *testing.B, st gridline.Store, n int) []*gridline.Conversation {
	b.Helper()
	ctx := context.Background()
	convs := make([]*gridline.Conversation, n)
	for i := range convs {
		cu := &gridline.Customer{Lang: gridline.LangEN}
		if err := st.CreateCustomer(ctx, cu); err != nil {
			b.Fatal(err)
		}
		convs[i] = &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: gridline.LangEN}
		if err := st.CreateConversation(ctx, convs[i]); err != nil {
			b.Fatal(err)
		}
	}
	return convs
}

func appendOne(b *testing.B, st gridline.Store, convID, clientID string) {
	m := &gridline.Message{ConversationID: convID, ClientID: clientID, Text: "my power is out since this morning",
		Author: gridline.Author{Kind: gridline.AuthorCustomer}}
	created, err := st.AppendMessage(context.Background(), m)
	if err != nil || !created {
		b.Errorf("append: created %v, %v", created, err)
	}
}

// reportRate reports the messages stored per second over the timed part.
func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "msgs/s")
	}
}

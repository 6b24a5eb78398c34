package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
)

// maxBatch caps how many appends share one SQLite transaction, so that one
// commit never keeps the writer (and the appenders behind it) busy for long.
const maxBatch = 128

// errClosed is returned by appends after Close.
var errClosed = errors.New("store: closed")

// appender is SQLite's group commit for AppendMessage. SQLite writes one
// transaction at a time and, with synchronous=FULL, each commit waits for the
// disk; a hundred customers typing at once would each wait for a disk flush of
// their own. Instead one goroutine takes every append that is waiting, runs
// them in one transaction — each in a savepoint, so that one failing takes only
// itself back — and answers each caller after the commit: nothing is reported
// stored before it is on disk, and the disk is flushed once per batch.
//
// The DB owns the goroutine: Open starts it, Close stops it and waits for it.
type appender struct {
	db    *DB
	reqs  chan *appendReq
	quit  chan struct{}
	ended chan struct{}
}

// appendReq is one waiting AppendMessage; done is buffered so that the
// appender never blocks on a caller that has gone away.
type appendReq struct {
	ctx  context.Context
	m    *gridline.Message
	done chan appendResult
}

type appendResult struct {
	created bool
	stored  *gridline.Message // the message as stored (created or found by client id)
	err     error
}

func newAppender(db *DB) *appender {
	a := &appender{db: db, reqs: make(chan *appendReq), quit: make(chan struct{}), ended: make(chan struct{})}
	go a.run()
	return a
}

// close stops the goroutine after its current batch and waits for it.
func (a *appender) close() {
	close(a.quit)
	<-a.ended
}

// append hands m to the appender and waits for the batch it joins to commit.
func (a *appender) append(ctx context.Context, m *gridline.Message) (bool, error) {
	r := &appendReq{ctx: ctx, m: m, done: make(chan appendResult, 1)}
	select {
	case a.reqs <- r:
	case <-ctx.Done():
		return false, fmt.Errorf("store: append message: %w", ctx.Err())
	case <-a.quit:
		return false, errClosed
	}
	// Once handed over the append is either committed or not, whatever the
	// caller's context does now; wait for the answer so that created is true
	// exactly when the message is stored.
	res := <-r.done
	if res.err != nil {
		return false, res.err
	}
	*m = *res.stored
	return res.created, nil
}

func (a *appender) run() {
	defer close(a.ended)
	for {
		var batch []*appendReq
		select {
		case r := <-a.reqs:
			batch = append(batch, r)
		case <-a.quit:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-a.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		a.commit(batch)
	}
}

// commit runs one batch in one transaction and answers every request in it.
func (a *appender) commit(batch []*appendReq) {
	results := make([]appendResult, len(batch))
	// The batch's own context: the transaction must not die with the first
	// caller's; each append checks its caller's context before it runs.
	ctx := context.Background()
	err := a.db.tryTx(ctx, func(tx *sql.Tx) error {
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i] = appendResult{err: fmt.Errorf("store: append message: %w", err)}
				continue
			}
			if _, err := a.db.txExec(ctx, tx, qSavepoint); err != nil {
				return err
			}
			created, stored, err := a.db.appendIn(ctx, tx, r.m)
			if err != nil {
				if _, rerr := a.db.txExec(ctx, tx, qRollbackSavepoint); rerr != nil {
					return rerr
				}
				results[i] = appendResult{err: wrap("append message", err)}
			} else {
				results[i] = appendResult{created: created, stored: stored}
			}
			if _, err := a.db.txExec(ctx, tx, qReleaseSavepoint); err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range batch {
		if err != nil && results[i].err == nil {
			// The commit failed: nothing of this batch is stored.
			results[i] = appendResult{err: wrap("append message", err)}
		}
		r.done <- results[i]
	}
}

package gridline

import (
	"context"
	"strings"
	"time"
)

// LoginFailures is the tally of wrong passwords given for one email address
// since its last successful login. It is kept in the store, not in a process,
// so that every replica sees the same tally and a restart does not reset it;
// it is keyed by address whether or not an account has it, so that a lock says
// nothing about which addresses are staff.
type LoginFailures struct {
	Email   string    `json:"-"`
	Count   int       `json:"failed_logins"`
	FirstAt time.Time `json:"first_failed_at"`
	LastAt  time.Time `json:"last_failed_at"`
}

// Login throttling: the first few failures cost nothing (people mistype), then
// each further attempt waits twice as long as the last, and from LoginLockAfter
// failures the address is locked for LoginLockFor after the latest one. A tally
// whose latest failure is older than LoginFailureWindow starts again from one.
const (
	LoginFreeFailures  = 4
	LoginLockAfter     = 10
	LoginLockFor       = 15 * time.Minute
	LoginFailureWindow = 24 * time.Hour
)

// LoginKey is how an address is written in the tally: trimmed, lower case, as
// UserByEmail compares.
func LoginKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NextLoginAt is the earliest time another login for the address may be tried;
// before it an attempt is refused without looking at the password. The zero
// time means at once.
func (f *LoginFailures) NextLoginAt() time.Time {
	switch {
	case f == nil || f.Count <= LoginFreeFailures:
		return time.Time{}
	case f.Count >= LoginLockAfter:
		return f.LastAt.Add(LoginLockFor)
	}
	return f.LastAt.Add(time.Second << (f.Count - LoginFreeFailures - 1)) // 1 s, 2 s, 4 s, …
}

// Locked reports whether the tally has reached the temporary lock.
func (f *LoginFailures) Locked() bool { return f != nil && f.Count >= LoginLockAfter }

// LoginFailureStore keeps the tallies; store/storetest.RunLoginFailures is its
// contract.
type LoginFailureStore interface {
	// AddLoginFailure counts one failure for email at at and returns the tally
	// after it (a tally older than LoginFailureWindow restarts at one).
	AddLoginFailure(ctx context.Context, email string, at time.Time) (*LoginFailures, error)
	// LoginFailures returns the tally for email, with Count 0 when there is none.
	LoginFailures(ctx context.Context, email string) (*LoginFailures, error)
	// ClearLoginFailures forgets the tally after a successful login and returns
	// what it held, so the account's owner can be told.
	ClearLoginFailures(ctx context.Context, email string) (*LoginFailures, error)
}

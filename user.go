package gridline

import (
	"context"
	"time"
)

// Roles of staff users, from least to most privileged.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// User is a member of staff who logs in: an agent, supervisor or admin.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Skills       []string  `json:"skills"`
	Capacity     int       `json:"capacity"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a logged-in user's token, stored by its SHA-256 hash so that a leaked
// database does not leak live tokens.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserStore keeps staff users; store/storetest.RunUsers is its contract.
type UserStore interface {
	// CreateUser stores u. Returns ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// User and UserByEmail return ENOTFOUND. Emails compare case-insensitively.
	User(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser saves every field but ID and CreatedAt. Returns ENOTFOUND, ECONFLICT.
	UpdateUser(ctx context.Context, u *User) error
	ListUsers(ctx context.Context) ([]*User, error)
}

// SessionStore keeps staff login sessions; store/storetest.RunSessions is its
// contract.
type SessionStore interface {
	// CreateSession stores s; Session returns ENOTFOUND for an unknown or expired hash.
	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, tokenHash string) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/gridline/gridline"
)

// Session tokens.
const (
	// SessionCookie carries a staff session token for browsers.
	SessionCookie = "gridline_session"
	// SessionTTL is how long a staff login lasts.
	SessionTTL = 12 * time.Hour
	// bcryptCost is bcrypt's work factor: about 50 ms a login on this class of machine.
	bcryptCost = 11
)

// HashPassword hashes a staff password with bcrypt.
func HashPassword(password string) (string, error) {
	if len(password) < 8 || len(password) > 72 {
		return "", &gridline.Error{Code: gridline.EINVALID, Message: "a password has 8 to 72 characters",
			Fields: map[string]string{"password": "8 to 72 characters"}}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is compared against when the email is unknown, so that a login takes
// as long whether or not the account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-real-password"), bcryptCost)

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

type loginInput struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,max=72"`
}

type loginOutput struct {
	Token     string         `json:"token"`
	User      *gridline.User `json:"user"`
	ExpiresAt time.Time      `json:"expires_at"`
	// SecurityNotice tells the account's owner of the wrong passwords given for
	// the account since their last login (and whether that locked it for a while).
	SecurityNotice *securityNotice `json:"security_notice,omitempty"`
}

// securityNotice is the login answer's account of failed logins before it.
type securityNotice struct {
	*gridline.LoginFailures
	Locked bool `json:"locked"`
}

// login is POST /api/v1/auth/login: a session token in the body and as an
// HttpOnly, SameSite cookie (Secure when the client came over TLS).
//
// Wrong passwords are counted per address in the store, on every replica alike
// (gridline.LoginFailures): after a few, each attempt must wait longer, and
// then the address is locked for a while; an attempt before its time is
// refused with 429 and Retry-After without the password being looked at, so
// guessing gets nowhere however many addresses the guesser comes from. The
// owner is told at their next login. The answer is the same whether or not an
// account has the address.
func (s *Server) login(c echo.Context) error {
	var in loginInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := s.now().UTC()
	tally, err := s.cfg.Store.LoginFailures(ctx, in.Email)
	if err != nil {
		return err
	}
	if next := tally.NextLoginAt(); now.Before(next) {
		wait := int(next.Sub(now).Seconds()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
		return gridline.Errorf(gridline.ERATELIMITED, "too many wrong passwords for this account; try again in %d seconds", wait)
	}
	u, err := s.cfg.Store.UserByEmail(ctx, strings.TrimSpace(in.Email))
	if err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
		return err
	}
	if err != nil {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(in.Password))
	}
	if err != nil || !CheckPassword(u.PasswordHash, in.Password) || u.Disabled {
		if _, err := s.cfg.Store.AddLoginFailure(ctx, in.Email, now); err != nil {
			return err
		}
		return gridline.Errorf(gridline.EUNAUTHORIZED, "email or password is wrong")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	sess := &gridline.Session{TokenHash: hashToken(tok), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.cfg.Store.CreateSession(ctx, sess); err != nil {
		return err
	}
	out := loginOutput{Token: tok, User: u, ExpiresAt: sess.ExpiresAt}
	if tally.Count > 0 {
		cleared, err := s.cfg.Store.ClearLoginFailures(ctx, in.Email)
		if err != nil {
			return err
		}
		if cleared.Count > 0 {
			out.SecurityNotice = &securityNotice{LoginFailures: cleared, Locked: cleared.Locked()}
		}
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.overTLS(c), Expires: sess.ExpiresAt})
	return c.JSON(http.StatusOK, out)
}

// logout is POST /api/v1/auth/logout: the session stops working everywhere.
func (s *Server) logout(c echo.Context) error {
	if tok := sessionToken(c.Request()); tok != "" {
		if err := s.cfg.Store.DeleteSession(c.Request().Context(), hashToken(tok)); err != nil {
			return err
		}
	}
	if u := currentUser(c); u != nil && s.cfg.Desk != nil {
		_ = s.cfg.Desk.Heartbeat(c.Request().Context(), u, "offline")
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteLaxMode, Secure: s.overTLS(c)})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error { return c.JSON(http.StatusOK, currentUser(c)) }

// sessionToken finds a staff token: Authorization: Bearer, else the cookie.
func sessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if ck, err := r.Cookie(SessionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// authenticate resolves a request's staff user; a visitor token never resolves,
// since visitor tokens are not sessions.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*gridline.User, error) {
	tok := sessionToken(r)
	if tok == "" || len(tok) > 256 {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "log in first")
	}
	sess, err := s.cfg.Store.Session(ctx, hashToken(tok))
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "session expired; log in again")
		}
		return nil, err
	}
	u, err := s.cfg.Store.User(ctx, sess.UserID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "session expired; log in again")
		}
		return nil, err
	}
	if u.Disabled {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "this account is disabled")
	}
	return u, nil
}

const userKey = "gridline.user"

// requireRole admits staff with one of roles (any staff when roles is empty).
func (s *Server) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := s.authenticate(c.Request().Context(), c.Request())
			if err != nil {
				return err
			}
			if len(roles) > 0 && !slices.Contains(roles, u.Role) {
				return gridline.Errorf(gridline.EFORBIDDEN, "your role may not do this")
			}
			c.Set(userKey, u)
			return next(c)
		}
	}
}

// currentUser is the authenticated staff user of a request, or nil.
func currentUser(c echo.Context) *gridline.User {
	u, _ := c.Get(userKey).(*gridline.User)
	return u
}

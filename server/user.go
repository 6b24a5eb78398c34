package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// userInput is POST /api/v1/users: a new member of staff.
type userInput struct {
	Email    string   `json:"email" validate:"required,email,max=254"`
	Name     string   `json:"name" validate:"required,max=100"`
	Role     string   `json:"role" validate:"required,oneof=agent supervisor admin"`
	Skills   []string `json:"skills" validate:"max=5,unique,dive,oneof=billing repair connection complaint general"`
	Capacity int      `json:"capacity" validate:"min=1,max=20"`
	Password string   `json:"password" validate:"required,min=8,max=72"`
}

// userUpdate is PUT /api/v1/users/:id: every field but the email is replaced; the
// password only when one is given.
type userUpdate struct {
	Name     string   `json:"name" validate:"required,max=100"`
	Role     string   `json:"role" validate:"required,oneof=agent supervisor admin"`
	Skills   []string `json:"skills" validate:"max=5,unique,dive,oneof=billing repair connection complaint general"`
	Capacity int      `json:"capacity" validate:"min=1,max=20"`
	Disabled bool     `json:"disabled"`
	Password string   `json:"password" validate:"omitempty,min=8,max=72"`
}

// listUsers is GET /api/v1/users (admins only). Password hashes never leave the
// server (gridline.User does not marshal them).
func (s *Server) listUsers(c echo.Context) error {
	users, err := s.cfg.Store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, users)
}

// createUser is POST /api/v1/users (admins only). An email already taken is 409.
func (s *Server) createUser(c echo.Context) error {
	var in userInput
	if err := bind(c, &in); err != nil {
		return err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return err
	}
	u := &gridline.User{Email: strings.TrimSpace(in.Email), Name: strings.TrimSpace(in.Name), Role: in.Role,
		Skills: nonNilSkills(in.Skills), Capacity: in.Capacity, PasswordHash: hash}
	if err := s.cfg.Store.CreateUser(c.Request().Context(), u); err != nil {
		return err
	}
	s.audit(c, currentUser(c).ID, gridline.AuditUserCreate, gridline.SubjectUser+u.ID, "role "+u.Role)
	return c.JSON(http.StatusCreated, u)
}

// updateUser is PUT /api/v1/users/:id (admins only). An admin cannot demote or
// disable themselves, so the desk can never be left without an admin by accident.
// A disabled user's sessions stop working at once and they leave the desk.
func (s *Server) updateUser(c echo.Context) error {
	var in userUpdate
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := currentUser(c)
	u, err := s.cfg.Store.User(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if u.ID == me.ID && (in.Disabled || in.Role != gridline.RoleAdmin) {
		return &gridline.Error{Code: gridline.EINVALID, Message: "you cannot disable yourself or give up your own admin role",
			Fields: map[string]string{"role": "ask another admin"}}
	}
	changed := userChanges(u, in)
	u.Name, u.Role, u.Skills, u.Capacity, u.Disabled = strings.TrimSpace(in.Name), in.Role, nonNilSkills(in.Skills), in.Capacity, in.Disabled
	if in.Password != "" {
		if u.PasswordHash, err = HashPassword(in.Password); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.UpdateUser(ctx, u); err != nil {
		return err
	}
	s.audit(c, me.ID, gridline.AuditUserUpdate, gridline.SubjectUser+u.ID, changed)
	if u.Disabled {
		if s.cfg.Desk != nil {
			if err := s.cfg.Desk.Heartbeat(ctx, u, handoff.AgentOffline); err != nil {
				s.logger.Warn("users: take disabled user off the desk", "err", err, "user", u.ID)
			}
		} else if s.cfg.Presence != nil {
			_ = s.cfg.Presence.Leave(ctx, u.ID)
		}
	}
	return c.JSON(http.StatusOK, u)
}

// userChanges names what an edit changes, for the audit log: fields, and the
// new role or disabled state, never a name or a password.
func userChanges(u *gridline.User, in userUpdate) string {
	var out []string
	if strings.TrimSpace(in.Name) != u.Name {
		out = append(out, "name")
	}
	if in.Role != u.Role {
		out = append(out, "role "+in.Role)
	}
	if strings.Join(nonNilSkills(in.Skills), ",") != strings.Join(u.Skills, ",") {
		out = append(out, "skills")
	}
	if in.Capacity != u.Capacity {
		out = append(out, "capacity")
	}
	if in.Disabled != u.Disabled {
		out = append(out, map[bool]string{true: "disabled", false: "enabled"}[in.Disabled])
	}
	if in.Password != "" {
		out = append(out, "password")
	}
	return strings.Join(out, ", ")
}

func nonNilSkills(skills []string) []string {
	if skills == nil {
		return []string{}
	}
	return skills
}

package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func TestCreateUserValidation(t *testing.T) {
	e := newDeskEnv(t)
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	good := func() map[string]any {
		return map[string]any{"email": "li.lei@utility.test", "name": "Li Lei", "role": "agent",
			"skills": []string{"billing", "repair"}, "capacity": 4, "password": "a fine password"}
	}
	tests := []struct {
		name  string
		edit  func(map[string]any)
		field string // "" means accepted
	}{
		{"bad email", func(m map[string]any) { m["email"] = "not-an-email" }, "email"},
		{"no email", func(m map[string]any) { delete(m, "email") }, "email"},
		{"no name", func(m map[string]any) { m["name"] = "" }, "name"},
		{"unknown role", func(m map[string]any) { m["role"] = "root" }, "role"},
		{"unknown skill", func(m map[string]any) { m["skills"] = []string{"billing", "gardening"} }, "skills[1]"},
		{"repeated skill", func(m map[string]any) { m["skills"] = []string{"billing", "billing"} }, "skills"},
		{"capacity zero", func(m map[string]any) { m["capacity"] = 0 }, "capacity"},
		{"capacity 21", func(m map[string]any) { m["capacity"] = 21 }, "capacity"},
		{"short password", func(m map[string]any) { m["password"] = "short" }, "password"},
		{"long password", func(m map[string]any) { m["password"] = strings.Repeat("p", 73) }, "password"},
		{"no password", func(m map[string]any) { delete(m, "password") }, "password"},
		{"capacity 20, every skill", func(m map[string]any) {
			m["capacity"], m["skills"] = 20, gridline.Skills
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := good()
			tt.edit(body)
			status, data := e.do("POST", "/api/v1/users", admin, body)
			if tt.field == "" {
				if status != http.StatusCreated {
					t.Fatalf("status %d %s, want 201", status, data)
				}
				return
			}
			var eb struct {
				Error errorBody `json:"error"`
			}
			_ = json.Unmarshal(data, &eb)
			if status != http.StatusBadRequest || eb.Error.Code != gridline.EINVALID || eb.Error.Fields[tt.field] == "" {
				t.Fatalf("status %d %s, want 400 naming %q", status, data, tt.field)
			}
		})
	}
}

func TestAdminManagesUsers(t *testing.T) {
	e := newDeskEnv(t)
	ada, admin := e.staff(gridline.RoleAdmin, "Ada")

	var u gridline.User
	status, data := e.do("POST", "/api/v1/users", admin, map[string]any{"email": "Wang.Fang@utility.test", "name": "王芳",
		"role": "agent", "skills": []string{"billing"}, "capacity": 2, "password": "first password"})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, data)
	}
	if strings.Contains(string(data), "$2") || strings.Contains(strings.ToLower(string(data)), "hash") {
		t.Fatalf("the answer leaks the password hash: %s", data)
	}
	_ = json.Unmarshal(data, &u)
	if status, _ := e.do("POST", "/api/v1/users", admin, map[string]any{"email": "wang.fang@utility.test", "name": "Other",
		"role": "agent", "capacity": 2, "password": "other password"}); status != http.StatusConflict {
		t.Errorf("a taken email (other case): %d, want 409", status)
	}

	var login loginOutput
	e.mustDo("POST", "/api/v1/auth/login", "", map[string]string{"email": "wang.fang@utility.test", "password": "first password"}, http.StatusOK, &login)

	// Promote, change skills and the password.
	var updated gridline.User
	e.mustDo("PUT", "/api/v1/users/"+u.ID, admin, map[string]any{"name": "王芳", "role": "supervisor",
		"skills": []string{"billing", "complaint"}, "capacity": 5, "password": "second password"}, http.StatusOK, &updated)
	if updated.Role != gridline.RoleSupervisor || len(updated.Skills) != 2 || updated.Capacity != 5 || updated.Email != u.Email {
		t.Errorf("after update: %+v", updated)
	}
	if status, _ := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "first password"}); status != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", status)
	}
	e.mustDo("GET", "/api/v1/stats", login.Token, nil, http.StatusOK, nil) // now a supervisor

	// Disabling ends the user's sessions at once.
	e.mustDo("PUT", "/api/v1/users/"+u.ID, admin, map[string]any{"name": "王芳", "role": "supervisor",
		"skills": []string{"billing"}, "capacity": 5, "disabled": true}, http.StatusOK, nil)
	if status, _ := e.do("GET", "/api/v1/queues", login.Token, nil); status != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d, want 401", status)
	}

	// An admin cannot lock themselves out.
	for _, body := range []map[string]any{
		{"name": "Ada", "role": "agent", "capacity": 1},
		{"name": "Ada", "role": "admin", "capacity": 1, "disabled": true},
	} {
		if status, data := e.do("PUT", "/api/v1/users/"+ada.ID, admin, body); status != http.StatusBadRequest {
			t.Errorf("self-demotion %v: %d %s, want 400", body, status, data)
		}
	}
	if status, _ := e.do("PUT", "/api/v1/users/"+gridline.NewID(), admin, map[string]any{"name": "x", "role": "agent", "capacity": 1}); status != http.StatusNotFound {
		t.Errorf("updating a user that does not exist: %d, want 404", status)
	}

	var users []gridline.User
	e.mustDo("GET", "/api/v1/users", admin, nil, http.StatusOK, &users)
	if len(users) != 2 {
		t.Errorf("users: %d, want 2", len(users))
	}
}

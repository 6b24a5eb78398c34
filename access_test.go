package gridline_test

import (
	"testing"

	"github.com/gridline/gridline"
)

func TestConversationAccess(t *testing.T) {
	agent := &gridline.User{ID: "a", Role: gridline.RoleAgent}
	sup := &gridline.User{ID: "s", Role: gridline.RoleSupervisor}
	admin := &gridline.User{ID: "x", Role: gridline.RoleAdmin}
	disabled := &gridline.User{ID: "a", Role: gridline.RoleAdmin, Disabled: true}
	nameless := &gridline.User{Role: gridline.RoleAgent}
	conv := func(status gridline.ConversationStatus, owner, handler string) *gridline.Conversation {
		return &gridline.Conversation{Status: status, OwnerID: owner, HandlerID: handler}
	}
	tests := []struct {
		name     string
		u        *gridline.User
		c        *gridline.Conversation
		see, act bool
	}{
		{"bot conversation", agent, conv(gridline.StatusBot, "", ""), false, false},
		{"queued, anyone may pick", agent, conv(gridline.StatusQueued, "", ""), true, false},
		{"handled by the agent", agent, conv(gridline.StatusActive, "b", "a"), true, true},
		{"owned, handled by another", agent, conv(gridline.StatusActive, "a", "b"), true, false},
		{"another's chat", agent, conv(gridline.StatusActive, "b", "b"), false, false},
		{"resolved, the agent's own", agent, conv(gridline.StatusResolved, "a", "a"), true, true},
		{"supervisor, anyone's", sup, conv(gridline.StatusActive, "b", "b"), true, true},
		{"supervisor, bot", sup, conv(gridline.StatusBot, "", ""), true, true},
		{"admin, anyone's", admin, conv(gridline.StatusActive, "b", "b"), true, true},
		{"disabled admin", disabled, conv(gridline.StatusActive, "a", "a"), false, false},
		{"a user without an id matches no empty handler", nameless, conv(gridline.StatusBot, "", ""), false, false},
		{"nobody", nil, conv(gridline.StatusQueued, "", ""), false, false},
		{"no conversation", sup, nil, false, false},
	}
	for _, tt := range tests {
		if got := gridline.CanSeeConversation(tt.u, tt.c); got != tt.see {
			t.Errorf("%s: CanSeeConversation = %v, want %v", tt.name, got, tt.see)
		}
		if got := gridline.CanActOnConversation(tt.u, tt.c); got != tt.act {
			t.Errorf("%s: CanActOnConversation = %v, want %v", tt.name, got, tt.act)
		}
	}
}

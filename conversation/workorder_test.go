package conversation_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/workorder"
)

// withOrders wires a work-order service over the env's store, on a fixed clock.
func withOrders(e *env, at time.Time) (*workorder.Service, option) {
	wos := &workorder.Service{Store: e.store, Board: e.board, Conversations: e.store, Now: func() time.Time { return at }}
	return wos, func(c *conversation.Config) { c.WorkOrders = wos }
}

// TestChatsOpenOrders: what the bot hears opens the matching order, and the
// customer is told its number and the promised time, in their language; without
// a desk a handoff that opened no order is a consultation order.
func TestChatsOpenOrders(t *testing.T) {
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing, a Monday
	tests := []struct {
		name    string
		lang    string
		reply   bot.Reply
		desk    bool
		typ     string
		urgent  bool
		told    string // in the system message
		address string
	}{
		{"a fault report is a repair order with a 45-minute on-site promise", "en",
			bot.Reply{Action: bot.ActionMenu, Text: "recorded", Skill: gridline.SkillRepair,
				Request: &gridline.Request{Kind: gridline.RequestMessage, Phone: "13912345678", Address: "45 Elm Road", Text: "fault at 45 Elm Road"}},
			true, gridline.WorkOrderRepair, false, "A crew will be on site by 10:45 on 2 Mar.", "45 Elm Road"},
		{"in Chinese", "zh",
			bot.Reply{Action: bot.ActionMenu, Text: "已登记", Skill: gridline.SkillRepair,
				Request: &gridline.Request{Kind: gridline.RequestMessage, Phone: "13912345678", Address: "朝阳区建国路88号", Text: "报修"}},
			true, gridline.WorkOrderRepair, false, "抢修人员将于 3月2日 10:45 前到达现场", "朝阳区建国路88号"},
		{"danger is an urgent repair order beside the urgent handoff", "en",
			bot.Reply{Action: bot.ActionHandoff, Urgent: true, Text: "keep away", Skill: gridline.SkillRepair, Priority: gridline.PriorityUrgent},
			true, gridline.WorkOrderRepair, true, "An urgent repair order", ""},
		{"a complaint is a complaint order with a call back in a day", "en",
			bot.Reply{Action: bot.ActionHandoff, Text: "sorry", Skill: gridline.SkillComplaint},
			true, gridline.WorkOrderComplaint, false, "We will call you back by 10:00 on 3 Mar.", ""},
		{"a complaint with no desk opens no second order", "zh",
			bot.Reply{Action: bot.ActionHandoff, Text: "抱歉", Skill: gridline.SkillComplaint},
			false, gridline.WorkOrderComplaint, false, "我们将于 3月3日 10:00 前回电联系您", ""},
		{"a handoff nobody can take is a consultation order", "en",
			bot.Reply{Action: bot.ActionHandoff, Text: "a person", Skill: gridline.SkillBilling},
			false, gridline.WorkOrderConsultation, false, "will follow up on this conversation (order", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			wos, opt := withOrders(e, at)
			opts := []option{opt}
			desk := &fakeDesk{}
			if tt.desk {
				opts = append(opts, withDesk(desk))
			}
			e.svc = e.service(nil, opts...)
			e.bot.answer = func(bot.Input) (bot.Reply, error) { return tt.reply, nil }
			conv := e.start(tt.lang)
			if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c1", "the wire is down at my door"); err != nil {
				t.Fatal(err)
			}
			e.wait()
			list, err := wos.CustomerOrders(e.ctx, conv.CustomerID, false, 10)
			if err != nil || len(list) != 1 {
				t.Fatalf("orders: %+v, %v", list, err)
			}
			wo, err := e.store.WorkOrder(e.ctx, list[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if wo.Type != tt.typ || wo.Urgent != tt.urgent || wo.ConversationID != conv.ID || wo.Address != tt.address {
				t.Errorf("order %+v", wo)
			}
			if tt.reply.Request != nil && wo.Phone != tt.reply.Request.Phone {
				t.Errorf("phone %q", wo.Phone)
			}
			if tt.reply.Request == nil && !strings.Contains(wo.Description, "the wire is down at my door") {
				t.Errorf("description %q, want what the customer said", wo.Description)
			}
			if tt.typ == gridline.WorkOrderRepair {
				if d := wo.Deadline(gridline.DeadlineOnSite); d == nil || d.DueAt.Sub(at) != 45*time.Minute {
					t.Errorf("on-site deadline %+v", d)
				}
			}
			if tt.urgent && (len(desk.requests) != 1 || desk.requests[0] != gridline.SkillRepair+"/"+itoa(gridline.PriorityUrgent)) {
				t.Errorf("the urgent handoff: %v", desk.requests)
			}
			said := strings.Join(e.texts(conv.ID, gridline.AuthorSystem), "\n")
			if !strings.Contains(said, wo.Number) || !strings.Contains(said, tt.told) {
				t.Errorf("the customer was told %q; want the number %s and %q", said, wo.Number, tt.told)
			}
			if reqs, _ := e.store.ListRequests(e.ctx, ""); len(reqs) != 0 {
				t.Errorf("requests still filed beside the order: %+v", reqs)
			}
		})
	}
}

// TestLeaveRequestOpensConsultation: a left message or call-back number is a
// consultation order answered within a working day; the customer hears its
// number and time.
func TestLeaveRequestOpensConsultation(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC) // Friday 16:00 in Beijing
	_, opt := withOrders(e, at)
	e.svc = e.service(nil, opt)
	conv := e.start("en")
	left, err := e.svc.LeaveRequest(e.ctx, conv.CustomerID, conv.ID, gridline.RequestCallback, " 138 0000 1234 ", "after six")
	if err != nil || left.WorkOrder == nil || left.Request != nil {
		t.Fatalf("left: %+v, %v", left, err)
	}
	wo, err := e.store.WorkOrder(e.ctx, left.WorkOrder.ID)
	if err != nil {
		t.Fatal(err)
	}
	if wo.Type != gridline.WorkOrderConsultation || wo.Subtype != "callback" || wo.Phone != "138 0000 1234" || wo.Description != "after six" {
		t.Errorf("order %+v", wo)
	}
	want := "We will call you back at 138 0000 1234 by the end of 9 Mar (order " + wo.Number + ")."
	if got := e.texts(conv.ID, gridline.AuthorSystem); len(got) != 1 || !strings.Contains(got[0], want) {
		t.Errorf("told %q, want %q (a working day after Friday is Monday)", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

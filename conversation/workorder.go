package conversation

import (
	"context"
	"strings"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/workorder"
)

// WorkOrders is what the policy needs of the work orders: to open the order a
// chat raises and to tell the customer when it is promised, in the calendar's
// time zone. *workorder.Service implements it.
type WorkOrders interface {
	Create(ctx context.Context, actor workorder.Actor, in workorder.NewOrder) (*gridline.WorkOrder, error)
	Calendar(ctx context.Context) (*workorder.Calendar, error)
}

// Left is what a customer left for staff: the consultation order it opened, or
// the request it was kept as when no work orders are configured. The request's
// fields stay at the top level, as POST /api/v1/widget/requests answered them
// before orders.
type Left struct {
	*gridline.Request
	WorkOrder *gridline.WorkOrderPublic `json:"workorder,omitempty"`
}

// orderFor is the order a bot reply raises, if any: a fault report (a request
// with an address and a phone) is a repair order; danger is an urgent repair
// order beside the urgent handoff; a complaint handed to the complaints queue
// is a complaint order. ok is false for every other reply.
func (s *Service) orderFor(ctx context.Context, conv *gridline.Conversation, reply bot.Reply) (in workorder.NewOrder, ok bool) {
	in = workorder.NewOrder{ConversationID: conv.ID, CustomerID: conv.CustomerID}
	switch {
	case reply.Request != nil:
		in.Type, in.Phone, in.Address, in.Description = gridline.WorkOrderRepair, reply.Request.Phone, reply.Request.Address, reply.Request.Text
		in.Urgent = reply.Urgent
	case reply.Urgent:
		in.Type, in.Urgent = gridline.WorkOrderRepair, true
	case reply.Action == bot.ActionHandoff && reply.Skill == gridline.SkillComplaint:
		in.Type = gridline.WorkOrderComplaint
	default:
		return in, false
	}
	if in.Description == "" {
		said, err := s.LastCustomerText(ctx, conv)
		if err != nil {
			s.logger.Warn("workorder: what the customer said", "err", err, "conversation", conv.ID)
		}
		in.Description = strings.TrimSpace(said)
	}
	if in.Description == "" {
		in.Description = in.Type
	}
	s.fillFromCustomer(ctx, &in)
	return in, true
}

// fillFromCustomer adds what the archive knows of the customer (account, phone)
// to an order that lacks it.
func (s *Service) fillFromCustomer(ctx context.Context, in *workorder.NewOrder) {
	if in.CustomerID == "" {
		return
	}
	cust, err := s.cfg.Store.Customer(ctx, in.CustomerID)
	if err != nil {
		return
	}
	if in.AccountNo == "" {
		in.AccountNo = cust.AccountNo
	}
	if in.Phone == "" {
		in.Phone = cust.Phone
	}
}

// openOrder opens an order as Gridline itself (its owner is the conversation's
// owner, or the first agent who takes the chat later) and tells the customer
// its number and what is promised by when. A failure is logged and returned;
// the chat goes on.
func (s *Service) openOrder(ctx context.Context, conv *gridline.Conversation, in workorder.NewOrder) (*gridline.WorkOrder, error) {
	wo, err := s.cfg.WorkOrders.Create(ctx, workorder.Actor{System: true}, in)
	if err != nil {
		s.logger.Error("workorder: open from chat", "err", err, "conversation", conv.ID, "type", in.Type)
		return nil, err
	}
	m := &gridline.Message{ConversationID: conv.ID, Text: s.orderOpenedText(ctx, conv.Lang, wo),
		Author: gridline.Author{Kind: gridline.AuthorSystem}}
	if _, err := s.post(ctx, m); err != nil {
		s.logger.Warn("workorder: tell the customer", "err", err, "conversation", conv.ID)
	}
	return wo, nil
}

// promised is the deadline a customer is told of first, by type: the crew on
// site for a repair, a call back for complaints and reports, else the answer.
var promised = map[string][]string{
	gridline.WorkOrderRepair:    {gridline.DeadlineOnSite},
	gridline.WorkOrderComplaint: {gridline.DeadlineContact, gridline.DeadlineAnswer},
	gridline.WorkOrderReport:    {gridline.DeadlineContact, gridline.DeadlineAnswer},
}

// orderOpenedText is what the customer is told of a new order: its number and
// the promised time, in the calendar's zone.
func (s *Service) orderOpenedText(ctx context.Context, lang string, wo *gridline.WorkOrder) string {
	kinds := promised[wo.Type]
	if kinds == nil {
		kinds = []string{gridline.DeadlineReconnect, gridline.DeadlineOnSite, gridline.DeadlineAnswer}
	}
	var due *gridline.Deadline
	for _, k := range kinds {
		if due = wo.Deadline(k); due != nil {
			break
		}
	}
	if due == nil {
		return text(lang, msgOrderOpened, wo.Number)
	}
	loc := time.Local
	if cal, err := s.cfg.WorkOrders.Calendar(ctx); err == nil {
		loc = cal.Location()
	}
	at := formatDue(lang, due.DueAt.In(loc))
	key := msgOrderAnswerBy
	switch due.Kind {
	case gridline.DeadlineOnSite:
		key = msgOrderOnSiteBy
		if wo.Urgent {
			key = msgOrderUrgentOnSiteBy
		}
	case gridline.DeadlineContact:
		key = msgOrderContactBy
	case gridline.DeadlineReconnect:
		key = msgOrderRestoreBy
	}
	return text(lang, key, wo.Number, at)
}

// formatDue writes a due time as customers read it: "14:30 on 1 Dec" or
// "12月1日 14:30".
// A working-day deadline ends at midnight, which reads as the end of the day
// before: "the end of 9 Mar", "3月9日 24:00".
func formatDue(lang string, t time.Time) string {
	zh := gridline.NormalizeLang(lang) == gridline.LangZH
	if t.Hour() == 0 && t.Minute() == 0 {
		if zh {
			return t.AddDate(0, 0, -1).Format("1月2日") + " 24:00"
		}
		return t.AddDate(0, 0, -1).Format("the end of 2 Jan")
	}
	if zh {
		return t.Format("1月2日 15:04")
	}
	return t.Format("15:04 on 2 Jan")
}

// consultationOrder opens the consultation order a left message, a call-back
// number or a handoff nobody could take becomes.
func (s *Service) consultationOrder(ctx context.Context, conv *gridline.Conversation, subtype, phone, note string) (*gridline.WorkOrder, error) {
	in := workorder.NewOrder{Type: gridline.WorkOrderConsultation, Subtype: subtype, ConversationID: conv.ID,
		CustomerID: conv.CustomerID, Phone: phone, Description: note}
	s.fillFromCustomer(ctx, &in)
	return s.cfg.WorkOrders.Create(ctx, workorder.Actor{System: true}, in)
}

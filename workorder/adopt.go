package workorder

import (
	"context"

	"github.com/gridline/gridline"
)

// ActionAdopt is the timeline entry of an order the bot opened becoming the
// first agent's who took the chat (first-inquiry responsibility).
const ActionAdopt = "adopt"

// Adopt gives every open order a chat raised while it had no owner (the bot's
// fault, danger and complaint orders, a left message), whoever the chat's
// customer was then, to the conversation's owner and handler, now that an agent
// has taken it: the owner of the chat owns what it raised. An order changed
// meanwhile is tried once more; failures are logged, not returned: the chat is
// taken either way. It returns how many orders changed hands.
//
// With Create it closes the race of an order opened while its chat is being
// claimed: the claim stores the owner before Adopt lists the chat's orders,
// and Create stores the order before it reads the chat's owner again, so one of
// the two always sees the other.
func (s *Service) Adopt(ctx context.Context, conv *gridline.Conversation) int {
	if conv == nil || conv.OwnerID == "" {
		return 0
	}
	wos, err := s.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{ConversationID: conv.ID, Open: true, Limit: 500})
	if err != nil {
		s.logger().Warn("workorder: adopt", "conversation", conv.ID, "err", err)
		return 0
	}
	n := 0
	for _, wo := range wos {
		if _, ok := s.adopt(ctx, conv, wo); ok {
			n++
		}
	}
	return n
}

// adopt makes the unowned order wo the conversation owner's. It returns the
// order as it stands (reloaded if another writer changed it) and whether this
// call gave it its owner.
func (s *Service) adopt(ctx context.Context, conv *gridline.Conversation, wo *gridline.WorkOrder) (*gridline.WorkOrder, bool) {
	for try := 0; try < 2 && wo.OwnerID == ""; try++ {
		if try > 0 {
			cur, err := s.Store.WorkOrder(ctx, wo.ID)
			if err != nil {
				s.logger().Warn("workorder: adopt", "order", wo.Number, "err", err)
				return wo, false
			}
			if wo = cur; wo.OwnerID != "" {
				return wo, false
			}
		}
		seen, now := wo.Version, s.now()
		wo.OwnerID = conv.OwnerID
		if wo.HandlerID == "" {
			wo.HandlerID = conv.HandlerID
		}
		wo.UpdatedAt = now
		err := s.Store.UpdateWorkOrder(ctx, wo, seen, gridline.TimelineEntry{At: now, By: "system", Action: ActionAdopt,
			Status: wo.Status, Note: "owned by the first agent who took the chat"})
		if err == nil {
			s.publish(ctx, wo, gridline.WorkOrderNotice{Kind: gridline.NoticeChanged, Action: ActionAdopt, MasterID: wo.MasterID})
			return wo, true
		}
		if gridline.ErrorCode(err) != gridline.ECONFLICT {
			s.logger().Warn("workorder: adopt", "order", wo.Number, "err", err)
			return wo, false
		}
		wo.OwnerID = ""
	}
	return wo, false
}

package workorder

import (
	"context"

	"github.com/gridline/gridline"
)

// ActionAdopt is the timeline entry of an order the bot opened becoming the
// first agent's who took the chat (first-inquiry responsibility).
const ActionAdopt = "adopt"

// Adopt gives the open orders a chat raised while it had no owner (the bot's
// fault, danger and complaint orders, a left message) to the conversation's
// owner and handler, now that an agent has taken it: the owner of the chat
// owns what it raised. An order changed meanwhile is tried once more; failures
// are logged, not returned: the chat is taken either way. It returns how many
// orders changed hands.
func (s *Service) Adopt(ctx context.Context, conv *gridline.Conversation) int {
	if conv == nil || conv.OwnerID == "" || conv.CustomerID == "" {
		return 0
	}
	wos, err := s.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{CustomerID: conv.CustomerID,
		ConversationID: conv.ID, Open: true, Limit: 100})
	if err != nil {
		s.logger().Warn("workorder: adopt", "conversation", conv.ID, "err", err)
		return 0
	}
	n := 0
	for _, wo := range wos {
		for try := 0; try < 2 && wo.OwnerID == ""; try++ {
			if try > 0 {
				if wo, err = s.Store.WorkOrder(ctx, wo.ID); err != nil || wo.OwnerID != "" {
					break
				}
			}
			seen, now := wo.Version, s.now()
			wo.OwnerID = conv.OwnerID
			if wo.HandlerID == "" {
				wo.HandlerID = conv.HandlerID
			}
			wo.UpdatedAt = now
			err = s.Store.UpdateWorkOrder(ctx, wo, seen, gridline.TimelineEntry{At: now, By: "system", Action: ActionAdopt,
				Status: wo.Status, Note: "owned by the first agent who took the chat"})
			if err == nil {
				n++
				s.publish(ctx, wo, gridline.WorkOrderNotice{Kind: gridline.NoticeChanged, Action: ActionAdopt, MasterID: wo.MasterID})
				break
			}
			if gridline.ErrorCode(err) != gridline.ECONFLICT {
				s.logger().Warn("workorder: adopt", "order", wo.Number, "err", err)
				break
			}
			wo.OwnerID = ""
		}
	}
	return n
}

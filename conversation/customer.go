package conversation

import (
	"context"
	"strings"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/insight"
)

// Visitor is who opens the widget: the customer and conversation a still-valid
// visitor token names (both "" for a new visitor), the language to greet a
// new one in, and the host site's identity for a customer logged in there
// (Identifier signed by IdentifierHash; both "" for none).
type Visitor struct {
	CustomerID     string
	ConversationID string
	Lang           string
	Identifier     string
	IdentifierHash string
}

// Start resumes the visitor's open conversation, or starts a new matter with the
// bot's greeting: for the same customer when their last matter was resolved, for
// a new customer otherwise. created says a new conversation was started.
//
// A host-signed identity binds the session to that customer: their open
// conversation from this token resumes, anything else starts a new one of
// theirs. An identifier without its hash is no identity (an unsigned
// identifier never links to anyone); a wrong hash is EUNAUTHORIZED. A session
// without an identity never resumes a signed customer's conversation or
// record, so that logging out of the host site leaves nothing of theirs in
// the widget.
func (s *Service) Start(ctx context.Context, v Visitor) (conv *gridline.Conversation, created bool, err error) {
	lang := gridline.NormalizeLang(v.Lang)
	var cust *gridline.Customer
	if v.Identifier != "" && v.IdentifierHash != "" {
		if s.cfg.Archive == nil {
			return nil, false, gridline.Errorf(gridline.EUNAUTHORIZED, "the identity is not signed by the site")
		}
		if cust, err = s.cfg.Archive.Identify(ctx, v.Identifier, v.IdentifierHash, lang); err != nil {
			return nil, false, err
		}
	}
	if v.ConversationID != "" {
		prev, err := s.cfg.Store.Conversation(ctx, v.ConversationID)
		if err == nil && prev.Status != gridline.StatusResolved && s.mayResume(ctx, cust, prev.CustomerID, v.CustomerID) {
			return prev, false, nil
		}
	}
	if cust == nil && v.CustomerID != "" {
		if cust, err = s.cfg.Store.Customer(ctx, v.CustomerID); err != nil {
			if gridline.ErrorCode(err) != gridline.ENOTFOUND {
				return nil, false, err
			}
			cust = nil
		} else if cust.Identifier != "" || cust.MergedInto != "" {
			cust = nil // a signed customer's record needs the signature again
		}
	}
	if cust == nil {
		cust = &gridline.Customer{Lang: lang}
		if err := s.cfg.Store.CreateCustomer(ctx, cust); err != nil {
			return nil, false, err
		}
	}
	conv = &gridline.Conversation{CustomerID: cust.ID, Status: gridline.StatusBot, Lang: lang, Skill: gridline.SkillGeneral}
	if err := s.cfg.Store.CreateConversation(ctx, conv); err != nil {
		return nil, false, err
	}
	if err := s.postBotReply(ctx, conv, s.cfg.Bot.Greet(lang)); err != nil {
		return nil, false, err
	}
	return conv, true, nil
}

// mayResume decides whether a token's open conversation (now the matter of
// convCustomer) carries on in this session. With an identity it must be that
// customer's; without one, the token's own, and not a signed customer's.
func (s *Service) mayResume(ctx context.Context, identified *gridline.Customer, convCustomer, tokenCustomer string) bool {
	if identified != nil {
		return convCustomer == identified.ID
	}
	if tokenCustomer == "" {
		return true
	}
	owner, err := s.cfg.Store.Customer(ctx, tokenCustomer)
	if err != nil {
		return gridline.ErrorCode(err) == gridline.ENOTFOUND
	}
	return owner.Identifier == ""
}

// Say stores what the customer typed before it is acked and, when it is new,
// queues it for the bot (which answers only while the conversation is with it).
// A resent client id returns the stored message and nothing else happens.
func (s *Service) Say(ctx context.Context, customerID, convID, clientID, text string) (*gridline.Message, error) {
	return s.customerInput(ctx, customerID, convID, clientID, text, bot.Input{Text: text})
}

// Choose is the customer pressing a quick reply: it reads as the label they saw
// (an unknown option as itself) and goes to the bot as the option. An empty
// client id gets one of its own, since buttons are pressed, not retried.
func (s *Service) Choose(ctx context.Context, customerID, convID, clientID, option string) (*gridline.Message, error) {
	if clientID == "" {
		clientID = "choose-" + gridline.NewID()
	}
	return s.customerInput(ctx, customerID, convID, clientID, s.optionLabel(ctx, convID, option), bot.Input{Option: option})
}

func (s *Service) customerInput(ctx context.Context, customerID, convID, clientID, text string, in bot.Input) (*gridline.Message, error) {
	m := &gridline.Message{ConversationID: convID, ClientID: clientID, Text: text,
		Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: customerID}}
	created, err := s.post(ctx, m)
	if err != nil {
		return nil, err
	}
	if created {
		in.ConversationID = convID
		s.queueTurn(convID, in)
	}
	return m, nil
}

// optionLabel finds the label of a quick reply among the recent messages.
func (s *Service) optionLabel(ctx context.Context, convID, option string) string {
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return option
	}
	msgs, err := s.cfg.Store.Messages(ctx, convID, max(0, conv.LastSeq-20), 0)
	if err != nil {
		return option
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, q := range msgs[i].QuickReplies {
			if q.ID == option {
				return q.Label
			}
		}
	}
	return option
}

// Rating scores run from MinRating to MaxRating stars.
const (
	MinRating = 1
	MaxRating = 5
)

// Ratings records a chat's rating with what it sets going — a follow-up
// order for the matter's owner after a bad one — once per conversation
// however often it is rated; *insight.Service implements it.
type Ratings interface {
	Rate(ctx context.Context, in insight.RatingInput) (*insight.Outcome, error)
}

// Rate records the customer's rating of the chat: through Ratings when one is
// configured (a bad rating opens a follow-up for the owner, and the customer
// is told in the chat that someone will contact them), and on the
// conversation itself, alone, so that a rating cannot undo a concurrent claim
// or resolve; the score, reasons and comment are kept as a note for staff.
// told is what the customer is told. Returns EINVALID outside
// MinRating..MaxRating, ENOTFOUND for an unknown conversation, and Ratings'
// errors (ECONFLICT while the chat is with a person, ERATELIMITED).
func (s *Service) Rate(ctx context.Context, convID string, score int, comment string, reasons ...string) (told string, err error) {
	if score < MinRating || score > MaxRating {
		return "", &gridline.Error{Code: gridline.EINVALID, Message: "a rating is 1 to 5", Fields: map[string]string{"score": "must be 1 to 5"}}
	}
	var out *insight.Outcome
	if s.cfg.Ratings != nil {
		conv, err := s.cfg.Store.Conversation(ctx, convID)
		if err != nil {
			return "", err
		}
		out, err = s.cfg.Ratings.Rate(ctx, insight.RatingInput{CustomerID: conv.CustomerID, MatterKind: gridline.MatterConversation,
			MatterID: convID, Score: score, Comment: comment, Reasons: reasons, Lang: conv.Lang})
		if err != nil {
			return "", err
		}
		told = out.Told
	}
	if err := s.cfg.Store.RateConversation(ctx, convID, score); err != nil {
		return "", err
	}
	m := &gridline.Message{ConversationID: convID, Text: ratingNote(score, comment, reasons),
		Author: gridline.Author{Kind: gridline.AuthorSystem, ID: gridline.StaffNoteID, Name: "rating"}}
	if _, err := s.post(ctx, m); err != nil {
		s.logger.Warn("chat: rating note", "err", err, "conversation", convID)
	}
	if out != nil && out.FollowUp != nil {
		m := &gridline.Message{ConversationID: convID, Text: out.Told, Author: gridline.Author{Kind: gridline.AuthorSystem}}
		if _, err := s.post(ctx, m); err != nil {
			s.logger.Warn("chat: tell of the follow-up", "err", err, "conversation", convID)
		}
	}
	return told, nil
}

// ratingNote is how a rating reads to staff: the stars, then the comment.
func ratingNote(score int, comment string, reasons []string) string {
	note := strings.Repeat("★", score) + strings.Repeat("☆", MaxRating-score)
	if len(reasons) > 0 {
		note += " [" + strings.Join(reasons, ", ") + "]"
	}
	if c := strings.TrimSpace(comment); c != "" {
		note += " " + c
	}
	return note
}

// Typing tells the conversation's other side that author is typing. The
// caller throttles; staff may type only where they may reply (see CanReply).
func (s *Service) Typing(ctx context.Context, convID string, author gridline.Author) {
	s.publish(ctx, convID, gridline.EventTyping, gridline.TypingData{Author: author})
}

// QueueStatus is where a waiting customer stands; ok is false when the
// conversation is not waiting or there is no desk to ask.
func (s *Service) QueueStatus(ctx context.Context, convID string) (frame gridline.QueueData, ok bool) {
	if s.cfg.Desk == nil {
		return frame, false
	}
	pos, eta, err := s.cfg.Desk.QueueStatus(ctx, convID)
	if err != nil {
		return frame, false
	}
	return gridline.QueueData{Position: pos, ETASeconds: eta}, true
}

// LeaveRequest records a message or a call-back number the customer left for
// staff (the widget's offer) as a consultation order (a request, without work
// orders), keeps a call-back number as the customer's phone when the archive
// has none, and confirms in the conversation with the order's number and the
// time it will be answered by.
func (s *Service) LeaveRequest(ctx context.Context, customerID, convID, kind, phone, note string) (*Left, error) {
	phone, note = strings.TrimSpace(phone), strings.TrimSpace(note)
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	left := &Left{}
	if s.cfg.WorkOrders != nil {
		if note == "" {
			note = kind
		}
		wo, err := s.consultationOrder(ctx, &gridline.Conversation{ID: conv.ID, CustomerID: customerID, Lang: conv.Lang}, kind, phone, note)
		if err != nil {
			return nil, err
		}
		pub := wo.Public()
		left.WorkOrder = &pub
	} else {
		left.Request = &gridline.Request{Kind: kind, ConversationID: convID, CustomerID: customerID, Phone: phone, Text: note}
		if err := s.cfg.Store.CreateRequest(ctx, left.Request); err != nil {
			return nil, err
		}
	}
	if phone != "" {
		if cust, err := s.cfg.Store.Customer(ctx, customerID); err == nil && cust.Phone == "" {
			cust.Phone = phone
			if err := s.cfg.Store.UpdateCustomer(ctx, cust); err != nil {
				s.logger.Warn("widget request: keep the phone", "err", err, "customer", customerID)
			}
		}
	}
	m := &gridline.Message{ConversationID: conv.ID, Text: s.leftText(ctx, conv.Lang, kind, phone, left),
		Author: gridline.Author{Kind: gridline.AuthorSystem}}
	if _, err := s.post(ctx, m); err != nil {
		s.logger.Warn("widget request: confirm", "err", err)
	}
	return left, nil
}

// leftText confirms what the customer left: with the order's number and answer
// time when it became an order.
func (s *Service) leftText(ctx context.Context, lang, kind, phone string, left *Left) string {
	if left.WorkOrder == nil {
		if kind == gridline.RequestCallback {
			return text(lang, msgCallbackAt, phone)
		}
		return text(lang, msgMessageReceived)
	}
	wo := left.WorkOrder
	d := (&gridline.WorkOrder{Deadlines: wo.Deadlines}).Deadline(gridline.DeadlineAnswer)
	if d == nil {
		return text(lang, msgOrderOpened, wo.Number)
	}
	loc := time.Local
	if cal, err := s.cfg.WorkOrders.Calendar(ctx); err == nil {
		loc = cal.Location()
	}
	at := formatDue(lang, d.DueAt.In(loc))
	if kind == gridline.RequestCallback {
		return text(lang, msgCallbackOrder, phone, wo.Number, at)
	}
	return text(lang, msgMessageOrder, wo.Number, at)
}

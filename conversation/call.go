package conversation

import (
	"context"
	"slices"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/bot"
)

// A telephone call is a conversation like a chat, with two differences the
// policy owns here: the caller is recognised by the number they call from,
// and the bot's answer must be known before the webhook that carried the
// caller's words is answered, so a call's turn runs in the request rather than
// in the background queue chats use (under the same lease, so turns still run
// one at a time across replicas).

// StartCall opens the conversation of a telephone call from phone (as the
// provider sends it, +8613800138000 or a landline). A caller whose number the
// archive knows is that customer, in their language (known is true); anyone
// else becomes a new customer with that phone, in lang. Nothing is said yet:
// the channel greets (Greet) once it knows the language.
func (s *Service) StartCall(ctx context.Context, phone, lang string) (conv *gridline.Conversation, known bool, err error) {
	lang = gridline.NormalizeLang(lang)
	cust := s.callerByPhone(ctx, phone)
	if cust != nil {
		known = true
		if cust.Lang != "" {
			lang = gridline.NormalizeLang(cust.Lang)
		}
	} else {
		cust = &gridline.Customer{Lang: lang}
		if n, err := archive.NormalizePhone(phone); err == nil {
			cust.Phone = n
		}
		if err := s.cfg.Store.CreateCustomer(ctx, cust); err != nil {
			return nil, false, err
		}
	}
	conv = &gridline.Conversation{CustomerID: cust.ID, Status: gridline.StatusBot, Channel: gridline.ChannelVoice,
		Lang: lang, Skill: gridline.SkillGeneral}
	if err := s.cfg.Store.CreateConversation(ctx, conv); err != nil {
		return nil, false, err
	}
	return conv, known, nil
}

// callerByPhone is the one customer of the archive with this phone, or nil:
// an unknown, withheld or shared number (two records) identifies nobody.
func (s *Service) callerByPhone(ctx context.Context, phone string) *gridline.Customer {
	n, err := archive.NormalizePhone(phone)
	if err != nil {
		return nil
	}
	found, err := s.cfg.Store.SearchCustomers(ctx, n, 5)
	if err != nil {
		s.logger.Warn("call: find the caller", "err", err)
		return nil
	}
	var match *gridline.Customer
	for _, c := range found {
		if c.MergedInto != "" || (c.Phone != n && !slices.Contains(c.Phones, n)) {
			continue
		}
		if match != nil {
			return nil
		}
		match = c
	}
	return match
}

// Greet sets the call's language and posts the bot's greeting, whose quick
// replies are the menu the caller hears: the same menu, from the same source,
// as the chat widget's.
func (s *Service) Greet(ctx context.Context, convID, lang string) (*gridline.Message, error) {
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	lang = gridline.NormalizeLang(lang)
	if conv.Lang != lang {
		conv.Lang = lang
		if err := s.cfg.Store.UpdateConversation(ctx, conv); err != nil {
			return nil, err
		}
	}
	r := s.cfg.Bot.Greet(lang)
	m := &gridline.Message{ConversationID: conv.ID, Text: r.Text, QuickReplies: r.QuickReplies,
		Author: gridline.Author{Kind: gridline.AuthorBot, Name: botName(lang)}}
	if _, err := s.post(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Announce stores a line the channel itself said to the customer (a call's
// language prompt, a position in the queue) as the bot's, so that the
// transcript has everything the caller heard.
func (s *Service) Announce(ctx context.Context, convID, text string) (*gridline.Message, error) {
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	m := &gridline.Message{ConversationID: convID, Text: text, Author: gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}}
	if _, err := s.post(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Converse is one turn of a call: it stores what the caller said (said: their
// words, or the label of the key they pressed) under clientID — a provider's
// retry of the same webhook stores it once and runs no second turn — and, when
// it is new and the call is with the bot, runs the bot's turn now, under the
// conversation's lease. It returns the conversation as the turn left it
// (queued after a handoff) and every message stored after the caller's, in
// seq order: the bot's answer, an order's number, what the desk said.
func (s *Service) Converse(ctx context.Context, customerID, convID, clientID, said string, in bot.Input) (*gridline.Conversation, []*gridline.Message, error) {
	said = strings.TrimSpace(said)
	m := &gridline.Message{ConversationID: convID, ClientID: clientID, Text: said,
		Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: customerID}}
	created, err := s.post(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	if created {
		in.ConversationID = convID
		h := s.holdLease(ctx, convID)
		s.turn(ctx, convID, in)
		h.release()
	}
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return nil, nil, err
	}
	after, err := s.cfg.Store.Messages(ctx, convID, m.Seq, 0)
	if err != nil {
		return nil, nil, err
	}
	out := after[:0]
	for _, a := range after {
		if !gridline.IsStaffNote(a) && a.Author.Kind != gridline.AuthorCustomer {
			out = append(out, a)
		}
	}
	return conv, out, nil
}

// EndCall records that the caller hung up, with the call's length when the
// provider said it (seconds > 0): a call
// still waiting at the desk leaves its queue at once and is closed, so that
// no agent is offered it (an abandoned call). A call with an agent, or with
// the bot, is left to them; the note tells staff the line is gone.
func (s *Service) EndCall(ctx context.Context, convID string, seconds int) error {
	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	if conv.Status == gridline.StatusResolved {
		return nil
	}
	said := text(conv.Lang, msgCallEnded)
	if seconds > 0 {
		said = text(conv.Lang, msgCallEndedAfter, seconds)
	}
	// One note per call, whichever webhook tells of the end first.
	note := &gridline.Message{ConversationID: convID, ClientID: "call-ended",
		Text: said, Author: gridline.Author{Kind: gridline.AuthorSystem, ID: gridline.StaffNoteID}}
	if _, err := s.post(ctx, note); err != nil {
		return err
	}
	if conv.Status == gridline.StatusQueued && s.cfg.Desk != nil {
		return s.cfg.Desk.Abandon(ctx, convID)
	}
	return nil
}

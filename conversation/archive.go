package conversation

import (
	"context"
	"regexp"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/bot"
)

// Archive is what the conversation policy asks of the customer archive:
// whose widget session this is, and an in-chat proof of an account.
// *archive.Service implements it.
type Archive interface {
	// Identify returns the customer a host-signed identifier names (nil, nil
	// for an unsigned or empty one); EUNAUTHORIZED for a wrong hash.
	Identify(ctx context.Context, identifier, hash, lang string) (*gridline.Customer, error)
	// Verify is one try of a conversation's visitor to prove an account.
	Verify(ctx context.Context, conversationID, accountNo, last4 string) (*archive.VerifyResult, error)
	// VerifiedAccount is the account the conversation proved; EFORBIDDEN
	// when it proved none.
	VerifiedAccount(ctx context.Context, conversationID string) (*gridline.Account, error)
}

// What a customer may type that the archive answers rather than the bot.
var (
	balanceIntent = regexp.MustCompile(`(?i)\b(balance|owe|owing|arrears?|outstanding)\b|余额|欠费|欠款|欠多少|欠不欠|还剩多少|剩多少电费`)
	verifyIntent  = regexp.MustCompile(`(?i)\bverify\b|\bverification\b|验证|核实身份|身份认证`)
	// digitRun is a number as people type it: digits, maybe with dashes inside.
	digitRun = regexp.MustCompile(`\+?\d+(?:-\d+)*`)
	// spacedRun is digit groups with spaces between, as phones are often typed
	// (139 0000 1111).
	spacedRun = regexp.MustCompile(`\+?\d+(?:[ -]\d+)*`)
	// accountWord says a number that follows is an account number.
	accountWord = regexp.MustCompile(`(?i)户号|账号|帐号|account`)
)

// verifyPair finds an account number (10 to 16 digits) and the last four
// digits of a phone in what the customer typed: exactly one of each, else
// none — a guess would spend one of their three tries.
func verifyPair(text string) (accountNo, last4 string, ok bool) {
	var accounts, fours []string
	for _, run := range digitRun.FindAllString(text, -1) {
		d := strings.TrimPrefix(strings.ReplaceAll(run, "-", ""), "+")
		switch {
		case len(d) == 4:
			fours = append(fours, d)
		case len(d) >= 10 && len(d) <= 16:
			accounts = append(accounts, d)
		}
	}
	if len(accounts) != 1 || len(fours) != 1 {
		return "", "", false
	}
	return accounts[0], fours[0], true
}

// archiveTurn answers what only the archive can: a try to verify, or "what is
// my balance" — from the billing system's figure on the proved account, never
// made up. ok is false when the input is none of these and the bot answers.
func (s *Service) archiveTurn(ctx context.Context, conv *gridline.Conversation, in bot.Input) (reply bot.Reply, ok bool) {
	if s.cfg.Archive == nil || in.Option != "" || strings.TrimSpace(in.Text) == "" {
		return reply, false
	}
	lang := conv.Lang
	askBalance := balanceIntent.MatchString(in.Text)
	accountNo, last4, pair := verifyPair(in.Text)
	if !askBalance && !verifyIntent.MatchString(in.Text) && !(pair && s.awaitingProof(ctx, conv)) {
		return reply, false
	}
	say := func(key string, args ...any) (bot.Reply, bool) {
		return bot.Reply{Action: bot.ActionMenu, Text: text(lang, key, args...)}, true
	}
	v, err := s.cfg.Store.Verification(ctx, conv.ID)
	if err != nil {
		s.logger.Error("verify: read", "err", err, "conversation", conv.ID)
		return say(msgBotTrouble)
	}
	verified := v.VerifiedAt != nil
	if !verified && pair {
		res, err := s.cfg.Archive.Verify(ctx, conv.ID, accountNo, last4)
		switch {
		case gridline.ErrorCode(err) == gridline.EINVALID:
			return say(msgVerifyFormat)
		case err != nil:
			s.logger.Error("verify", "err", err, "conversation", conv.ID)
			return say(msgBotTrouble)
		case res.Verified:
			verified = true
			// The proved account's customer is whose matter this is now.
			if err := s.cfg.Store.SetConversationCustomer(ctx, conv.ID, res.CustomerID); err != nil {
				s.logger.Warn("verify: link the conversation", "err", err, "conversation", conv.ID)
			}
			if !askBalance {
				return say(msgVerified)
			}
		case res.Locked:
			return say(msgVerifyLocked)
		default:
			return say(msgVerifyWrong, res.AttemptsLeft)
		}
	}
	if !verified {
		if v.Attempts >= archive.MaxVerifyAttempts {
			return say(msgVerifyLocked)
		}
		if askBalance {
			return say(msgVerifyForBalance)
		}
		return say(msgVerifyAsk)
	}
	if !askBalance {
		return say(msgVerifiedAlready)
	}
	acc, err := s.cfg.Archive.VerifiedAccount(ctx, conv.ID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.EFORBIDDEN {
			return say(msgVerifyAsk) // the account changed hands since
		}
		s.logger.Error("verify: balance", "err", err, "conversation", conv.ID)
		return say(msgBotTrouble)
	}
	return bot.Reply{Action: bot.ActionAnswer, Text: balanceText(lang, acc)}, true
}

// balanceText says the billing system's figures for the account, and only
// those it has.
func balanceText(lang string, acc *gridline.Account) string {
	tail := acc.AccountNo
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	if acc.Balance == nil && acc.Arrears == nil && acc.LastBill == nil {
		return text(lang, msgBalanceNone, tail)
	}
	parts := []string{text(lang, msgBalanceFor, tail)}
	if acc.Balance != nil {
		parts = append(parts, text(lang, msgBalance, acc.Balance.String()))
	}
	if acc.LastBill != nil {
		parts = append(parts, text(lang, msgLastBill, acc.LastBill.String()))
	}
	if acc.Arrears != nil {
		if *acc.Arrears > 0 {
			parts = append(parts, text(lang, msgArrears, acc.Arrears.String()))
		} else {
			parts = append(parts, text(lang, msgNoArrears))
		}
	}
	if acc.BilledAt != nil {
		parts = append(parts, text(lang, msgBilledAt, acc.BilledAt.Format("2006-01-02")))
	}
	sep := " "
	if gridline.NormalizeLang(lang) == gridline.LangZH {
		sep = ""
	}
	return strings.Join(parts, sep)
}

// awaitingProof reports whether the bot's last message asked for the account
// number and digits, so that a bare "1234567890 5678" is read as the answer.
func (s *Service) awaitingProof(ctx context.Context, conv *gridline.Conversation) bool {
	msgs, err := s.cfg.Store.Messages(ctx, conv.ID, max(0, conv.LastSeq-10), 0)
	if err != nil {
		return false
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Author.Kind != gridline.AuthorBot {
			continue
		}
		for _, key := range []string{msgVerifyAsk, msgVerifyForBalance, msgVerifyFormat, msgVerifyLocked} {
			if msgs[i].Text == text(conv.Lang, key) {
				return true
			}
		}
		for n := 1; n < archive.MaxVerifyAttempts; n++ {
			if msgs[i].Text == text(conv.Lang, msgVerifyWrong, n) {
				return true
			}
		}
		return false
	}
	return false
}

// CustomerSuggestion is a detail the customer typed in chat that the agent
// may confirm into the archive: the bot captures it, it never writes it.
type CustomerSuggestion struct {
	// Field is "phone" or "account_no".
	Field string `json:"field"`
	Value string `json:"value"`
	// Seq is the message it was typed in.
	Seq int64 `json:"seq"`
	// CustomerID names the record that already holds this account number,
	// for the agent to link the chat to.
	CustomerID string `json:"customer_id,omitempty"`
}

// CustomerSuggestions are the phones and account numbers the customer typed
// in the conversation, oldest first, each once, for staff who may read it.
// A number is a phone when it reads as one, unless the words just before it
// call it an account (户号, account).
func (s *Service) CustomerSuggestions(ctx context.Context, u *gridline.User, convID string) ([]CustomerSuggestion, error) {
	conv, err := s.ConversationFor(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.cfg.Store.Messages(ctx, conv.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	out := []CustomerSuggestion{}
	seen := map[string]bool{}
	for _, m := range msgs {
		if m.Author.Kind != gridline.AuthorCustomer {
			continue
		}
		add := func(sg CustomerSuggestion) {
			if !seen[sg.Field+sg.Value] {
				seen[sg.Field+sg.Value] = true
				out = append(out, sg)
			}
		}
		for _, at := range spacedRun.FindAllStringIndex(m.Text, -1) {
			run := m.Text[at[0]:at[1]]
			before := []rune(m.Text[:at[0]])
			account := accountWord.MatchString(string(before[max(0, len(before)-10):]))
			if p, err := archive.NormalizePhone(run); err == nil && !account {
				add(CustomerSuggestion{Field: "phone", Value: p, Seq: m.Seq})
				continue
			}
			// Not one phone: each group on its own ("3100000001 5678").
			for _, part := range digitRun.FindAllString(run, -1) {
				if p, err := archive.NormalizePhone(part); err == nil && !account {
					add(CustomerSuggestion{Field: "phone", Value: p, Seq: m.Seq})
				} else if no, err := archive.NormalizeAccountNo(strings.TrimPrefix(part, "+")); err == nil {
					sg := CustomerSuggestion{Field: "account_no", Value: no, Seq: m.Seq}
					if acc, err := s.cfg.Store.Account(ctx, no); err == nil {
						sg.CustomerID = acc.CustomerID
					}
					add(sg)
				}
			}
		}
	}
	return out, nil
}

// LinkCustomer makes the conversation the matter of an existing record (the
// agent found the customer in the archive, or created one from what they
// said). Only its handler or a supervisor may; the visitor's own session is
// unchanged — linking is not proof, so the widget still shows the visitor
// only what they proved. Returns the conversation as stored after; ENOTFOUND
// outside u's reach or for an unknown customer, EFORBIDDEN, EINVALID for a
// record merged away.
func (s *Service) LinkCustomer(ctx context.Context, u *gridline.User, convID, customerID string) (*gridline.Conversation, error) {
	conv, err := s.ConversationFor(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	if !gridline.CanActOnConversation(u, conv) {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "only the agent handling this conversation or a supervisor may link it")
	}
	cust, err := s.cfg.Store.Customer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if cust.MergedInto != "" {
		return nil, gridline.Errorf(gridline.EINVALID, "this record was merged into %s; link that one", cust.MergedInto)
	}
	if err := s.cfg.Store.SetConversationCustomer(ctx, conv.ID, cust.ID); err != nil {
		return nil, err
	}
	return s.cfg.Store.Conversation(ctx, conv.ID)
}

// VisitorCustomer is whose archive a widget session may read — its own work
// orders: the customer its conversation proved by account and phone digits,
// else the one its token names (a host-signed customer, or the visitor's own
// anonymous record). An agent's link never widens it.
func (s *Service) VisitorCustomer(ctx context.Context, tokenCustomerID, convID string) (string, error) {
	if convID == "" {
		return tokenCustomerID, nil
	}
	v, err := s.cfg.Store.Verification(ctx, convID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return tokenCustomerID, nil
		}
		return "", err
	}
	if v.VerifiedAt != nil && v.CustomerID != "" {
		return v.CustomerID, nil
	}
	return tokenCustomerID, nil
}

package archive

import (
	"context"
	"crypto/subtle"

	"github.com/gridline/gridline"
)

// visitor is the actor of what a visitor does to the archive themselves.
var visitor = Actor{ID: "visitor"}

// Identify binds a widget session to the host site's customer. An empty
// identifier, or one without a hash, names nobody: (nil, nil), an anonymous
// session — an unsigned identifier never links to anyone. A signed one that
// checks out returns that customer's record, created on first sight (kind
// individual, relationship current). Returns EUNAUTHORIZED for a wrong hash,
// EINVALID for an identifier that is no identifier.
func (s *Service) Identify(ctx context.Context, identifier, hash, lang string) (*gridline.Customer, error) {
	if identifier == "" || hash == "" {
		return nil, nil
	}
	if err := CheckIdentity(s.IdentitySecret, identifier, hash); err != nil {
		return nil, err
	}
	c, err := s.Store.CustomerByIdentifier(ctx, identifier)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		c = &gridline.Customer{Kind: gridline.KindIndividual, Identifier: identifier, Lang: gridline.NormalizeLang(lang),
			Relationship: gridline.RelationshipCurrent}
		err = s.Store.CreateCustomer(ctx, c)
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			// Another session of the same customer created it just now.
			c, err = s.Store.CustomerByIdentifier(ctx, identifier)
		} else if err == nil {
			err = s.audit(ctx, visitor, c.ID, gridline.AuditCreate, "identifier", "")
		}
	}
	if err != nil {
		return nil, err
	}
	return c, s.audit(ctx, visitor, c.ID, gridline.AuditIdentify, "", "")
}

// MaxVerifyAttempts is how many tries a conversation has to verify in chat.
const MaxVerifyAttempts = 3

// VerifyResult is the outcome of one try. A wrong try says only how many are
// left — the same whether the account does not exist or the digits are
// wrong — so that the chat cannot be used to learn which accounts exist.
type VerifyResult struct {
	Verified bool `json:"verified"`
	// Locked: no tries are left in this conversation.
	Locked       bool   `json:"locked"`
	AttemptsLeft int    `json:"attempts_left"`
	CustomerID   string `json:"-"`
	AccountNo    string `json:"-"`
}

// Verify is one try of a visitor in a conversation to prove an account: its
// number and the last four digits of its phone (the account's own, else the
// customer's). Tries are counted in the store before anything is looked up,
// so every replica sees the same count and racing tries cannot pass the
// limit. A verified conversation stays verified. Returns EINVALID for input
// that is not an account number and four digits (not counted as a try),
// ENOTFOUND for an unknown conversation.
func (s *Service) Verify(ctx context.Context, conversationID, accountNo, last4 string) (*VerifyResult, error) {
	no, err := NormalizeAccountNo(accountNo)
	if err != nil {
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: gridline.ErrorMessage(err),
			Fields: map[string]string{"account_no": "10 to 16 digits"}}
	}
	if len(last4) != 4 || PhoneDigits(last4) != last4 {
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: "the last four digits of the phone",
			Fields: map[string]string{"last4": "four digits"}}
	}
	v, err := s.Store.Verification(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if v.VerifiedAt != nil {
		return &VerifyResult{Verified: true, CustomerID: v.CustomerID, AccountNo: v.AccountNo}, nil
	}
	n, err := s.Store.AddVerifyAttempt(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if n > MaxVerifyAttempts {
		return &VerifyResult{Locked: true}, nil
	}
	// Look up and compare the same way whether or not the account exists.
	want, customerID := "\x00\x00\x00\x00", ""
	if acc, err := s.Store.Account(ctx, no); err == nil {
		phone := acc.Phone
		if phone == "" {
			if c, err := s.Store.Customer(ctx, acc.CustomerID); err == nil {
				phone = c.Phone
			} else if gridline.ErrorCode(err) != gridline.ENOTFOUND {
				return nil, err
			}
		}
		if d := PhoneDigits(phone); len(d) >= 4 {
			want, customerID = d[len(d)-4:], acc.CustomerID
		}
	} else if gridline.ErrorCode(err) != gridline.ENOTFOUND {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(last4)) == 1 && customerID != "" {
		if err := s.Store.MarkVerified(ctx, conversationID, customerID, no); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, visitor, customerID, gridline.AuditVerify, "account_no", "conversation="+conversationID); err != nil {
			return nil, err
		}
		return &VerifyResult{Verified: true, CustomerID: customerID, AccountNo: no}, nil
	}
	left := MaxVerifyAttempts - n
	return &VerifyResult{Locked: left == 0, AttemptsLeft: left}, nil
}

// VerifiedAccount is the account a conversation's visitor proved, with the
// billing system's figures as stored (nil where it gave none), for the bot to
// answer "what is my balance" from. Returns EFORBIDDEN when the conversation
// is not verified.
func (s *Service) VerifiedAccount(ctx context.Context, conversationID string) (*gridline.Account, error) {
	v, err := s.Store.Verification(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if v.VerifiedAt == nil {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "verify the account first")
	}
	acc, err := s.Store.Account(ctx, v.AccountNo)
	if err != nil {
		return nil, err
	}
	if acc.CustomerID != v.CustomerID {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "the account changed hands; verify again")
	}
	return acc, nil
}

// AreaClass is the area class (urban, rural, remote) of a customer's supply,
// for the work orders' repair clocks: the named account's, or, without one, the
// customer's only account's. "" when the archive does not know it, so the
// caller applies the strictest class.
func (s *Service) AreaClass(ctx context.Context, customerID, accountNo string) (string, error) {
	if accountNo != "" {
		acc, err := s.Store.Account(ctx, accountNo)
		if err != nil {
			return "", err
		}
		return acc.AreaClass, nil
	}
	if customerID == "" {
		return "", nil
	}
	c, err := s.Store.Customer(ctx, customerID)
	if err != nil {
		return "", err
	}
	if len(c.Accounts) != 1 {
		return "", nil // none, or several and the order does not say which
	}
	return c.Accounts[0].AreaClass, nil
}

package gridline

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Area classes of a supply address: the work orders' repair clocks depend on it,
// and the strictest (urban) applies when it is unknown.
const (
	AreaUrban  = "urban"
	AreaRural  = "rural"
	AreaRemote = "remote"
)

// Account statuses: supplied, suspended (for arrears), closed.
const (
	AccountActive    = "active"
	AccountSuspended = "suspended"
	AccountClosed    = "closed"
)

// Account is one electricity account (户号) of a customer: a supply point with
// its meter and tariff. A customer may have many; an account number belongs to
// one customer at a time.
//
// Balance, LastBill and Arrears are the billing system's figures, nil until it
// provides them (imported or pushed through the API): the archive never makes
// one up, and a bot asked for a balance it lacks says so.
type Account struct {
	AccountNo  string `json:"account_no"`
	CustomerID string `json:"customer_id,omitempty"`
	Address    string `json:"address,omitempty"`
	AreaClass  string `json:"area_class,omitempty"`
	// Tariff names the price schedule: tiered residential, time-of-use,
	// commercial, industrial, … as the utility names them.
	Tariff  string `json:"tariff,omitempty"`
	MeterNo string `json:"meter_no,omitempty"`
	Status  string `json:"status"`
	// Phone is the number registered on the account, checked when a visitor
	// verifies in chat; empty means the customer's main phone. Personal data.
	Phone    string     `json:"phone,omitempty"`
	Balance  *Money     `json:"balance,omitempty"`
	LastBill *Money     `json:"last_bill,omitempty"`
	Arrears  *Money     `json:"arrears,omitempty"`
	BilledAt *time.Time `json:"billed_at,omitempty"`
}

// Money is an amount in fen (分, hundredths of a yuan), exact where a float is
// not. It is written and read as a decimal number of yuan: 12.30.
type Money int64

// String formats m as yuan with two decimals.
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// MarshalJSON writes m as a JSON number of yuan.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number (or a string holding one) of yuan.
func (m *Money) UnmarshalJSON(b []byte) error {
	v, err := ParseMoney(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMoney reads an amount of yuan with at most two decimals ("12", "-3.5",
// "1,234.56"), exactly. Returns EINVALID otherwise.
func ParseMoney(s string) (Money, error) {
	bad := Errorf(EINVALID, "%q is not an amount of yuan with at most two decimals", s)
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || len(whole) > 15 {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, bad
			}
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := Money(w*100 + f)
	if neg {
		v = -v
	}
	return v, nil
}

// AccountStore keeps customers' accounts; store/storetest.RunAccounts is its
// contract. Accounts move between customers only by MergeCustomers.
type AccountStore interface {
	// Account finds an account by number. Returns ENOTFOUND.
	Account(ctx context.Context, accountNo string) (*Account, error)
	// PutAccount adds the account to a.CustomerID, or saves it when that
	// customer has it already. Returns ENOTFOUND for an unknown customer,
	// ECONFLICT when another customer has the number.
	PutAccount(ctx context.Context, a *Account) error
}

package archive

import (
	"strings"

	"github.com/gridline/gridline"
)

// MaskPhone hides a phone's middle: 13812341234 -> 138****1234,
// 010-12345678 -> 010-****5678. A number kept as typed (an order's, a
// request's: "+86 138 1234 1234") is written as NormalizePhone writes it
// first, so that it is masked the same way. Short values are hidden whole.
func MaskPhone(s string) string {
	if s == "" {
		return ""
	}
	if n, err := NormalizePhone(s); err == nil {
		s = n
	}
	if area, num, ok := strings.Cut(s, "-"); ok && strings.HasPrefix(s, "0") {
		return area + "-" + keep(num, 0, 4)
	}
	return keep(s, 3, 4)
}

// MaskID hides an identity-card number or credit code but its first three and
// last four characters: 110***********1234.
func MaskID(s string) string { return keep(s, 3, 4) }

// MaskBank hides a bank account but its first four and last four digits.
func MaskBank(s string) string { return keep(s, 4, 4) }

// keep replaces all but the first head and last tail runes with *; a value
// too short to keep anything is all stars.
func keep(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", max(4, len(r)))
	}
	hidden := len(r) - head - tail
	return string(r[:head]) + strings.Repeat("*", hidden) + string(r[len(r)-tail:])
}

// masked reports whether v is a masked value, which is never stored.
func masked(v string) bool { return strings.Contains(v, "*") }

// Mask returns a copy of c with its personal data masked, as agents see it:
// phones, the ID number, the bank account, the accounts' phones.
func Mask(c *gridline.Customer) *gridline.Customer {
	m := *c
	m.Phone = MaskPhone(c.Phone)
	if c.Phones != nil {
		m.Phones = make([]string, len(c.Phones))
		for i, p := range c.Phones {
			m.Phones[i] = MaskPhone(p)
		}
	}
	if c.IDNumber != "" {
		m.IDNumber = MaskID(c.IDNumber)
	}
	if c.Organisation != nil {
		o := *c.Organisation
		if o.BankAccount != "" {
			o.BankAccount = MaskBank(o.BankAccount)
		}
		m.Organisation = &o
	}
	m.Accounts = make([]gridline.Account, len(c.Accounts))
	for i, a := range c.Accounts {
		a.Phone = MaskPhone(a.Phone)
		m.Accounts[i] = a
	}
	return &m
}

// keepMasked puts back the stored value wherever an edit sent a masked one
// back unchanged, so that an agent who saves a masked card does not overwrite
// the real numbers with stars.
func keepMasked(edit, stored *gridline.Customer) {
	if masked(edit.Phone) {
		edit.Phone = stored.Phone
	}
	for i, p := range edit.Phones {
		if masked(p) && i < len(stored.Phones) {
			edit.Phones[i] = stored.Phones[i]
		}
	}
	edit.Phones = dropMasked(edit.Phones)
	if masked(edit.IDNumber) {
		edit.IDNumber = stored.IDNumber
	}
	if edit.Organisation != nil && masked(edit.Organisation.BankAccount) {
		edit.Organisation.BankAccount = ""
		if stored.Organisation != nil {
			edit.Organisation.BankAccount = stored.Organisation.BankAccount
		}
	}
	for i := range edit.Accounts {
		a := &edit.Accounts[i]
		if !masked(a.Phone) {
			continue
		}
		a.Phone = ""
		for _, s := range stored.Accounts {
			if s.AccountNo == a.AccountNo {
				a.Phone = s.Phone
			}
		}
	}
}

func dropMasked(ps []string) []string {
	var out []string
	for _, p := range ps {
		if !masked(p) {
			out = append(out, p)
		}
	}
	return out
}

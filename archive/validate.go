package archive

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// accountNoPattern is the archive's account-number (户号) format: 10 to 16
// digits, as the utility's billing systems issue them (State Grid's are 10,
// some provinces' 13).
var accountNoPattern = regexp.MustCompile(`^[0-9]{10,16}$`)

// NormalizeAccountNo drops the spaces and dashes people type inside an account
// number and checks its format. Returns EINVALID.
func NormalizeAccountNo(s string) (string, error) {
	n := strings.Map(dropSeparators, s)
	if !accountNoPattern.MatchString(n) {
		return "", gridline.Errorf(gridline.EINVALID, "an account number is 10 to 16 digits")
	}
	return n, nil
}

// dropSeparators removes what people type between digits.
func dropSeparators(r rune) rune {
	switch r {
	case ' ', '-', '(', ')', '.', '\u3000', '—', '－':
		return -1
	}
	return r
}

var (
	mobilePattern   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlinePattern = regexp.MustCompile(`^0[1-9][0-9]{8,10}$`)
	hotlinePattern  = regexp.MustCompile(`^[48]00[0-9]{7}$`)
)

// NormalizePhone checks a Chinese phone number and writes it one way, so that
// the same number typed twice is stored — and found — once: a mobile as its 11
// digits (13812341234, a +86 or 0086 prefix dropped), a landline as area code
// and number (010-12345678, 0755-8888666), a 400/800 line as 400-123-4567.
// Returns EINVALID.
func NormalizePhone(s string) (string, error) {
	n := strings.Map(dropSeparators, strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(n, "+86"):
		n = n[3:]
	case strings.HasPrefix(n, "0086"):
		n = n[4:]
	case len(n) == 13 && strings.HasPrefix(n, "861"):
		n = n[2:]
	}
	switch {
	case mobilePattern.MatchString(n):
		return n, nil
	case hotlinePattern.MatchString(n):
		return n[:3] + "-" + n[3:6] + "-" + n[6:], nil
	case landlinePattern.MatchString(n):
		// Beijing (010) and the 02x cities have three-digit area codes, the rest four.
		area := 4
		if n[1] == '1' || n[1] == '2' {
			area = 3
		}
		if rest := len(n) - area; rest == 7 || rest == 8 {
			return n[:area] + "-" + n[area:], nil
		}
	}
	return "", gridline.Errorf(gridline.EINVALID, "not a Chinese mobile or landline number")
}

// PhoneDigits is the digits of a phone: what its last four are taken from.
func PhoneDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ValidEmail reports whether s is a bare e-mail address (no display name).
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// Values a record may hold.
var (
	kinds         = []string{gridline.KindIndividual, gridline.KindOrganisation}
	segments      = []string{"", gridline.SegmentResident, gridline.SegmentIntermediary, gridline.SegmentLarge}
	relationships = []string{"", gridline.RelationshipPotential, gridline.RelationshipCurrent, gridline.RelationshipFormer}
	areaClasses   = []string{"", gridline.AreaUrban, gridline.AreaRural, gridline.AreaRemote}
	statuses      = []string{gridline.AccountActive, gridline.AccountSuspended, gridline.AccountClosed}
	natures       = []string{"", "enterprise", "institution", "government", "other"}
)

// Normalize checks c by the archive's rules and writes its phones and
// account numbers one way. A problem is named by the field's JSON path
// ("phone", "phones.1", "accounts.0.account_no", "attributes.vip") in an
// EINVALID error's Fields. Attribute values must fit defs; keys not defined
// are refused.
func Normalize(c *gridline.Customer, defs []gridline.AttributeDef) error {
	f := map[string]string{}
	text := func(path, v string, maxLen int) {
		if utf8.RuneCountInString(v) > maxLen {
			f[path] = fmt.Sprintf("at most %d characters", maxLen)
		}
	}
	c.Name = strings.TrimSpace(c.Name)
	text("name", c.Name, 200)
	text("address", c.Address, 500)
	text("income_band", c.IncomeBand, 50)
	text("lang", c.Lang, 10)
	text("id_number", c.IDNumber, 32)
	if c.Kind == "" {
		c.Kind = gridline.KindIndividual
	}
	oneOf(f, "kind", c.Kind, kinds)
	oneOf(f, "segment", c.Segment, segments)
	oneOf(f, "relationship", c.Relationship, relationships)
	if c.Phone != "" {
		phone(f, "phone", &c.Phone)
	}
	for i := range c.Phones {
		phone(f, "phones."+strconv.Itoa(i), &c.Phones[i])
	}
	if len(c.Phones) > 10 {
		f["phones"] = "at most 10"
	}
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" && !ValidEmail(c.Email) {
		f["email"] = "must be an e-mail address"
	}
	if c.Identifier != "" {
		if err := checkIdentifier(c.Identifier); err != nil {
			f["identifier"] = gridline.ErrorMessage(err)
		}
	}
	if c.AccountNo != "" {
		if n, err := NormalizeAccountNo(c.AccountNo); err != nil {
			f["account_no"] = "10 to 16 digits"
		} else {
			c.AccountNo = n
		}
	}
	if o := c.Organisation; o != nil {
		if c.Kind != gridline.KindOrganisation {
			f["organisation"] = "only an organisation has one"
		}
		oneOf(f, "organisation.nature", o.Nature, natures)
		if o.OpenedOn != "" {
			if _, err := time.Parse(time.DateOnly, o.OpenedOn); err != nil {
				f["organisation.opened_on"] = "a date, 2006-01-02"
			}
		}
		if o.Employees < 0 {
			f["organisation.employees"] = "at least 0"
		}
		if o.BankAccount = strings.Map(dropSeparators, o.BankAccount); o.BankAccount != "" &&
			(len(o.BankAccount) < 8 || len(o.BankAccount) > 34 || PhoneDigits(o.BankAccount) != o.BankAccount) {
			f["organisation.bank_account"] = "8 to 34 digits"
		}
	}
	if c.ContactOf != "" && c.Kind != gridline.KindIndividual {
		f["contact_of"] = "only a person is an organisation's contact"
	}
	seen := map[string]bool{}
	for i := range c.Accounts {
		p := "accounts." + strconv.Itoa(i) + "."
		a := &c.Accounts[i]
		if n, err := NormalizeAccountNo(a.AccountNo); err != nil {
			f[p+"account_no"] = "10 to 16 digits"
		} else if a.AccountNo = n; seen[n] {
			f[p+"account_no"] = "given twice"
		}
		seen[a.AccountNo] = true
		if a.Status == "" {
			a.Status = gridline.AccountActive
		}
		oneOf(f, p+"area_class", a.AreaClass, areaClasses)
		oneOf(f, p+"status", a.Status, statuses)
		text(p+"address", a.Address, 500)
		text(p+"tariff", a.Tariff, 100)
		text(p+"meter_no", a.MeterNo, 64)
		if a.Phone != "" {
			phone(f, p+"phone", &a.Phone)
		}
	}
	if len(c.Accounts) > 200 {
		f["accounts"] = "at most 200"
	}
	checkAttributes(f, c.Attributes, defs)
	if len(f) == 0 {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "some fields of the record are invalid", Fields: f}
}

func oneOf(f map[string]string, path, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		f[path] = "one of: " + strings.Trim(strings.Join(allowed, ", "), ", ")
	}
}

func phone(f map[string]string, path string, v *string) {
	if strings.Contains(*v, "*") {
		return // a masked value coming back unchanged; Service.Update keeps the stored one
	}
	n, err := NormalizePhone(*v)
	if err != nil {
		f[path] = "a Chinese mobile or landline number"
		return
	}
	*v = n
}

// checkAttributes checks values against the definitions by type.
func checkAttributes(f map[string]string, attrs map[string]string, defs []gridline.AttributeDef) {
	for k, v := range attrs {
		path := "attributes." + k
		i := slices.IndexFunc(defs, func(d gridline.AttributeDef) bool { return d.Key == k })
		if i < 0 {
			f[path] = "no such attribute is defined"
			continue
		}
		if v == "" {
			continue
		}
		switch d := defs[i]; d.Type {
		case gridline.AttrNumber:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				f[path] = "a number"
			}
		case gridline.AttrDate:
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				f[path] = "a date, 2006-01-02"
			}
		case gridline.AttrList:
			if !slices.Contains(d.Options, v) {
				f[path] = "one of: " + strings.Join(d.Options, ", ")
			}
		default:
			if utf8.RuneCountInString(v) > 1000 {
				f[path] = "at most 1000 characters"
			}
		}
	}
}

var attrKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// CheckAttributeDefs checks custom attribute definitions: keys are
// lower-case identifiers given once, types known, lists have options. Returns
// EINVALID naming "3.key" and the like.
func CheckAttributeDefs(defs []gridline.AttributeDef) error {
	f := map[string]string{}
	seen := map[string]bool{}
	for i, d := range defs {
		p := strconv.Itoa(i) + "."
		if !attrKeyPattern.MatchString(d.Key) {
			f[p+"key"] = "a lower-case letter, then letters, digits or _, at most 40"
		} else if seen[d.Key] {
			f[p+"key"] = "defined twice"
		}
		seen[d.Key] = true
		if !slices.Contains([]string{gridline.AttrText, gridline.AttrNumber, gridline.AttrDate, gridline.AttrList}, d.Type) {
			f[p+"type"] = "one of: text, number, date, list"
		}
		if d.Type == gridline.AttrList && len(d.Options) == 0 {
			f[p+"options"] = "a list needs options"
		}
		if utf8.RuneCountInString(d.Label) > 100 {
			f[p+"label"] = "at most 100 characters"
		}
	}
	if len(defs) > 100 {
		f["attributes"] = "at most 100"
	}
	if len(f) == 0 {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "some attribute definitions are invalid", Fields: f}
}

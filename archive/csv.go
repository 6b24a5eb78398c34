package archive

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridline/gridline"
)

// Import limits: a file is read whole (its encoding is decided on all of it).
const (
	MaxImportBytes = 64 << 20
	MaxImportRows  = 200_000
)

// csvColumns are the archive's CSV columns, in export order. A file may hold
// any of them, in any order, under these names or the Chinese ones in
// csvAliases; attr.<key> columns carry custom attributes. One row is one
// account; rows that share an id are one customer, its profile taken from the
// first of them.
var csvColumns = []string{
	"id", "kind", "name", "phone", "phones", "email", "address", "lang", "income_band", "id_number", "identifier",
	"segment", "relationship", "contact_of",
	"org_nature", "org_location", "org_bank", "org_bank_account", "org_postal_address", "org_opened_on",
	"org_registered_capital", "org_employees", "org_production_scale", "org_sales_situation",
	"account_no", "account_address", "area_class", "tariff", "meter_no", "account_status", "account_phone",
	"balance", "last_bill", "arrears", "billed_at",
}

// csvAliases are the headers Chinese spreadsheets use.
var csvAliases = map[string]string{
	"客户编号": "id", "客户类型": "kind", "姓名": "name", "名称": "name", "客户名称": "name", "电话": "phone",
	"手机": "phone", "联系电话": "phone", "其他电话": "phones", "邮箱": "email", "地址": "address", "语言": "lang",
	"收入水平": "income_band", "证件号码": "id_number", "身份证号": "id_number", "客户分类": "segment",
	"客户关系": "relationship", "户号": "account_no", "用电地址": "account_address", "地区类别": "area_class",
	"电价": "tariff", "电表号": "meter_no", "账户状态": "account_status", "余额": "balance", "上期电费": "last_bill",
	"欠费": "arrears",
}

// csvField maps a record's JSON path (as Normalize names problems) to its
// column.
func csvField(path string) string {
	switch {
	case strings.HasPrefix(path, "organisation."):
		return "org_" + strings.TrimPrefix(path, "organisation.")
	case strings.HasPrefix(path, "attributes."):
		return "attr." + strings.TrimPrefix(path, "attributes.")
	case strings.HasPrefix(path, "phones."):
		return "phones"
	case strings.HasPrefix(path, "accounts."):
		_, rest, _ := strings.Cut(strings.TrimPrefix(path, "accounts."), ".")
		switch rest {
		case "account_no", "area_class", "tariff", "meter_no":
			return rest
		case "status", "address", "phone":
			return "account_" + rest
		}
		return rest
	}
	return path
}

// decodeText turns a file's bytes into text: UTF-8 with or without a BOM, or
// else GBK (GB18030, which Excel in China writes). Returns EINVALID.
func decodeText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return "", gridline.Errorf(gridline.EINVALID, "the file is neither UTF-8 nor GBK text")
	}
	return string(out), nil
}

// ImportError's Fields name problems by "<line>.<column>" (the line as a
// spreadsheet numbers it: the header is line 1).
func importError(fields map[string]string) error {
	return &gridline.Error{Code: gridline.EINVALID,
		Message: fmt.Sprintf("%d problem(s) in the file; nothing was imported", len(fields)), Fields: fields}
}

// parsed is a file's records and, for each, the line of every row it came from.
type parsed struct {
	customers []*gridline.Customer
	lines     [][]int // lines[i][0] is customer i's first row; lines[i][j+1] its account j's, when any
}

// ParseCSV reads customers from a CSV file by the archive's rules, checking
// every row against Normalize and the attribute definitions. It returns every
// problem at once, as EINVALID Fields "<line>.<column>"; ETOOLARGE over
// MaxImportBytes or MaxImportRows.
func ParseCSV(r io.Reader, defs []gridline.AttributeDef) ([]*gridline.Customer, error) {
	p, err := parseCSV(r, defs)
	if err != nil {
		return nil, err
	}
	return p.customers, nil
}

func parseCSV(r io.Reader, defs []gridline.AttributeDef) (*parsed, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("archive: read import: %w", err)
	}
	if len(raw) > MaxImportBytes {
		return nil, gridline.Errorf(gridline.ETOOLARGE, "an import is at most %d MiB", MaxImportBytes>>20)
	}
	text, err := decodeText(raw)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, gridline.Errorf(gridline.EINVALID, "the file is empty")
	} else if err != nil {
		return nil, importError(map[string]string{"1": csvProblem(err)})
	}
	col := map[string]int{}
	fields := map[string]string{}
	known := map[string]bool{}
	for _, c := range csvColumns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if a, ok := csvAliases[h]; ok {
			h = a
		}
		h = strings.ToLower(h)
		switch {
		case h == "":
			continue
		case strings.HasPrefix(h, "attr."):
		case !known[h]:
			fields["1."+h] = "unknown column"
			continue
		}
		if _, dup := col[h]; dup {
			fields["1."+h] = "column given twice"
		}
		col[h] = i
	}
	if len(fields) > 0 {
		return nil, importError(fields)
	}
	p := &parsed{}
	byID := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			fields[strconv.Itoa(line)] = csvProblem(err)
			if len(fields) > 1000 {
				break
			}
			continue
		}
		if len(p.customers) >= MaxImportRows {
			return nil, gridline.Errorf(gridline.ETOOLARGE, "an import is at most %d rows", MaxImportRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if blankRow(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		prefix := strconv.Itoa(line) + "."
		c, acc := rowRecord(get, col, prefix, fields)
		// Check the row alone: its profile and its one account.
		check := *c
		if acc != nil {
			check.Accounts = []gridline.Account{*acc}
		}
		if err := Normalize(&check, defs); err != nil {
			var ge *gridline.Error
			if errors.As(err, &ge) {
				for path, msg := range ge.Fields {
					fields[prefix+csvField(path)] = msg
				}
			}
		}
		if acc != nil {
			*acc = check.Accounts[0]
		}
		check.Accounts = nil
		*c = check
		id := get("id")
		if i, ok := byID[id]; ok && id != "" {
			if acc != nil {
				p.customers[i].Accounts = append(p.customers[i].Accounts, *acc)
				p.lines[i] = append(p.lines[i], line)
			}
			continue
		}
		if acc != nil {
			c.Accounts = []gridline.Account{*acc}
		}
		byID[id] = len(p.customers)
		p.customers = append(p.customers, c)
		p.lines = append(p.lines, []int{line})
		if acc != nil {
			p.lines[len(p.lines)-1] = append(p.lines[len(p.lines)-1], line)
		}
	}
	if len(fields) > 0 {
		return nil, importError(fields)
	}
	if len(p.customers) == 0 {
		return nil, gridline.Errorf(gridline.EINVALID, "the file has a header but no rows")
	}
	return p, nil
}

func blankRow(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "unreadable row"
}

// rowRecord builds a row's customer and account (nil without account_no),
// noting unreadable amounts, numbers and dates in fields.
func rowRecord(get func(string) string, col map[string]int, prefix string, fields map[string]string) (*gridline.Customer, *gridline.Account) {
	c := &gridline.Customer{
		ID: get("id"), Kind: get("kind"), Name: get("name"), Phone: get("phone"), Email: get("email"),
		Address: get("address"), Lang: get("lang"), IncomeBand: get("income_band"), IDNumber: get("id_number"),
		Identifier: get("identifier"), Segment: get("segment"), Relationship: get("relationship"),
		ContactOf: get("contact_of"), Attributes: map[string]string{},
	}
	if c.Lang == "" {
		c.Lang = gridline.LangZH
	}
	for _, p := range strings.FieldsFunc(get("phones"), func(r rune) bool { return r == ';' || r == '；' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			c.Phones = append(c.Phones, p)
		}
	}
	for name := range col {
		if key, ok := strings.CutPrefix(name, "attr."); ok {
			if v := get(name); v != "" {
				c.Attributes[key] = v
			}
		}
	}
	org := gridline.Organisation{Nature: get("org_nature"), Location: get("org_location"), Bank: get("org_bank"),
		BankAccount: get("org_bank_account"), PostalAddress: get("org_postal_address"), OpenedOn: get("org_opened_on"),
		ProductionScale: get("org_production_scale"), SalesSituation: get("org_sales_situation")}
	if v := get("org_registered_capital"); v != "" {
		if m, err := gridline.ParseMoney(v); err != nil {
			fields[prefix+"org_registered_capital"] = "an amount of yuan"
		} else {
			org.RegisteredCapital = &m
		}
	}
	if v := get("org_employees"); v != "" {
		if n, err := strconv.Atoi(v); err != nil {
			fields[prefix+"org_employees"] = "a whole number"
		} else {
			org.Employees = n
		}
	}
	if org != (gridline.Organisation{}) || c.Kind == gridline.KindOrganisation {
		c.Organisation = &org
	}
	no := get("account_no")
	if no == "" {
		return c, nil
	}
	a := &gridline.Account{AccountNo: no, Address: get("account_address"), AreaClass: get("area_class"),
		Tariff: get("tariff"), MeterNo: get("meter_no"), Status: get("account_status"), Phone: get("account_phone")}
	for _, m := range []struct {
		name string
		into **gridline.Money
	}{{"balance", &a.Balance}, {"last_bill", &a.LastBill}, {"arrears", &a.Arrears}} {
		if v := get(m.name); v != "" {
			if v, err := gridline.ParseMoney(v); err != nil {
				fields[prefix+m.name] = "an amount of yuan"
			} else {
				*m.into = &v
			}
		}
	}
	if v := get("billed_at"); v != "" {
		if t, err := parseDate(v); err != nil {
			fields[prefix+"billed_at"] = "a date, 2006-01-02"
		} else {
			a.BilledAt = &t
		}
	}
	return c, a
}

func parseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

// Import reads a CSV file and creates every customer in it or none (admins
// only). Problems are EINVALID Fields "<line>.<column>", taken keys
// included; it returns how many customers it created.
func (s *Service) Import(ctx context.Context, a Actor, r io.Reader) (int, error) {
	if err := a.mustAdmin(); err != nil {
		return 0, err
	}
	defs, err := s.Store.AttributeDefs(ctx)
	if err != nil {
		return 0, err
	}
	p, err := parseCSV(r, defs)
	if err != nil {
		return 0, err
	}
	if err := s.Store.ImportCustomers(ctx, p.customers); err != nil {
		return 0, p.lineError(err)
	}
	at := s.now()
	entries := make([]gridline.AuditEntry, len(p.customers))
	for i, c := range p.customers {
		entries[i] = gridline.AuditEntry{CustomerID: c.ID, ActorID: a.ID, Action: gridline.AuditImport, At: at}
	}
	if err := s.Store.AppendAudits(ctx, entries); err != nil {
		return 0, err
	}
	return len(p.customers), nil
}

// lineError turns the store's "<index>.accounts.<j>.account_no" conflicts into
// "<line>.account_no".
func (p *parsed) lineError(err error) error {
	var ge *gridline.Error
	if !errors.As(err, &ge) || len(ge.Fields) == 0 {
		return err
	}
	fields := map[string]string{}
	for path, msg := range ge.Fields {
		parts := strings.Split(path, ".")
		i, perr := strconv.Atoi(parts[0])
		if perr != nil || i < 0 || i >= len(p.lines) {
			fields[path] = msg
			continue
		}
		line, field := p.lines[i][0], strings.Join(parts[1:], ".")
		if len(parts) == 4 && parts[1] == "accounts" {
			if j, err := strconv.Atoi(parts[2]); err == nil && j+1 < len(p.lines[i]) {
				line, field = p.lines[i][j+1], parts[3]
			}
		}
		fields[fmt.Sprintf("%d.%s", line, field)] = msg
	}
	return &gridline.Error{Code: gridline.EINVALID,
		Message: fmt.Sprintf("%d problem(s) in the file; nothing was imported", len(fields)), Fields: fields}
}

// Export writes every record not merged away as CSV (admins only), UTF-8 with
// a BOM so that Excel opens it as such: one row per account, the profile
// repeated. Logged once per export, not per record.
func (s *Service) Export(ctx context.Context, a Actor, w io.Writer) (int, error) {
	if err := a.mustAdmin(); err != nil {
		return 0, err
	}
	defs, err := s.Store.AttributeDefs(ctx)
	if err != nil {
		return 0, err
	}
	n, err := WriteCSV(ctx, w, s.Store, defs)
	if err != nil {
		return n, err
	}
	if err := s.audit(ctx, a, "", gridline.AuditExport, "", fmt.Sprintf("customers=%d", n)); err != nil {
		return n, err
	}
	return n, nil
}

// WriteCSV writes the records of st, a page at a time, in the archive's CSV
// columns; it returns how many customers it wrote.
func WriteCSV(ctx context.Context, w io.Writer, st gridline.CustomerStore, defs []gridline.AttributeDef) (int, error) {
	if _, err := io.WriteString(w, "\xef\xbb\xbf"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	header := append([]string{}, csvColumns...)
	for _, d := range defs {
		header = append(header, "attr."+d.Key)
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	n, after := 0, ""
	for {
		page, err := st.ListCustomers(ctx, gridline.CustomerFilter{After: after, Limit: 1000})
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			for _, row := range csvRows(c, defs) {
				if err := cw.Write(row); err != nil {
					return n, err
				}
			}
			after = c.ID
			n++
		}
	}
	cw.Flush()
	return n, cw.Error()
}

func csvRows(c *gridline.Customer, defs []gridline.AttributeDef) [][]string {
	o := c.Organisation
	if o == nil {
		o = &gridline.Organisation{}
	}
	money := func(m *gridline.Money) string {
		if m == nil {
			return ""
		}
		return m.String()
	}
	employees := ""
	if o.Employees != 0 {
		employees = strconv.Itoa(o.Employees)
	}
	profile := []string{c.ID, c.Kind, c.Name, c.Phone, strings.Join(c.Phones, ";"), c.Email, c.Address, c.Lang,
		c.IncomeBand, c.IDNumber, c.Identifier, c.Segment, c.Relationship, c.ContactOf,
		o.Nature, o.Location, o.Bank, o.BankAccount, o.PostalAddress, o.OpenedOn, money(o.RegisteredCapital),
		employees, o.ProductionScale, o.SalesSituation}
	attrs := make([]string, len(defs))
	for i, d := range defs {
		attrs[i] = c.Attributes[d.Key]
	}
	accounts := c.Accounts
	if len(accounts) == 0 {
		accounts = []gridline.Account{{}}
	}
	rows := make([][]string, 0, len(accounts))
	for _, a := range accounts {
		billed := ""
		if a.BilledAt != nil {
			billed = a.BilledAt.UTC().Format(time.DateOnly)
		}
		status := a.Status
		if a.AccountNo == "" {
			status = ""
		}
		row := append(append([]string{}, profile...), a.AccountNo, a.Address, a.AreaClass, a.Tariff, a.MeterNo,
			status, a.Phone, money(a.Balance), money(a.LastBill), money(a.Arrears), billed)
		rows = append(rows, append(row, attrs...))
	}
	return rows
}

package server

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
)

// customerRoutes registers the customer archive's API: staff read, edit and
// ask to reveal; admins import, export, merge, anonymise and read the audit log.
func (s *Server) customerRoutes(api *echo.Group) {
	staff, admin := s.requireRole(), s.requireRole(gridline.RoleAdmin)
	api.GET("/customers", s.listCustomers, staff)
	api.POST("/customers", s.createCustomer, staff)
	api.POST("/customers/import", s.importCustomers, admin)
	api.GET("/customers/export", s.exportCustomers, admin)
	api.GET("/customers/figures", s.customerFigures, staff)
	api.GET("/customers/:id", s.getCustomer, staff)
	api.PUT("/customers/:id", s.updateCustomer, staff)
	api.POST("/customers/:id/reveal", s.revealCustomer, staff)
	api.POST("/customers/:id/merge", s.mergeCustomer, admin)
	api.GET("/customers/:id/contacts", s.customerContacts, staff)
	api.POST("/customers/:id/contacts", s.linkContact, staff)
	api.DELETE("/customers/:id/contacts/:person", s.unlinkContact, staff)
	api.GET("/customers/:id/audit", s.customerAudit, admin)
	api.POST("/customers/:id/anonymise", s.anonymiseCustomer, admin)
	api.GET("/customer-attributes", s.getCustomerAttributes, staff)
	api.PUT("/customer-attributes", s.putCustomerAttributes, admin)
}

// archiveService is the configured archive, or ENOTIMPLEMENTED.
func (s *Server) archiveService() (*archive.Service, error) {
	if s.cfg.Archive == nil {
		return nil, gridline.Errorf(gridline.ENOTIMPLEMENTED, "the customer archive is not configured")
	}
	return s.cfg.Archive, nil
}

// organisationInput is an organisation as clients write it.
type organisationInput struct {
	Nature            string          `json:"nature" validate:"omitempty,oneof=enterprise institution government other"`
	Location          string          `json:"location" validate:"max=200"`
	Bank              string          `json:"bank" validate:"max=100"`
	BankAccount       string          `json:"bank_account" validate:"max=40"`
	PostalAddress     string          `json:"postal_address" validate:"max=500"`
	OpenedOn          string          `json:"opened_on" validate:"omitempty,datetime=2006-01-02"`
	RegisteredCapital *gridline.Money `json:"registered_capital"`
	Employees         int             `json:"employees" validate:"gte=0"`
	ProductionScale   string          `json:"production_scale" validate:"max=200"`
	SalesSituation    string          `json:"sales_situation" validate:"max=200"`
}

// accountInput is an account as clients write it.
type accountInput struct {
	AccountNo string          `json:"account_no" validate:"required,max=32"`
	Address   string          `json:"address" validate:"max=500"`
	AreaClass string          `json:"area_class" validate:"omitempty,oneof=urban rural remote"`
	Tariff    string          `json:"tariff" validate:"max=100"`
	MeterNo   string          `json:"meter_no" validate:"max=64"`
	Status    string          `json:"status" validate:"omitempty,oneof=active suspended closed"`
	Phone     string          `json:"phone" validate:"max=40"`
	Balance   *gridline.Money `json:"balance"`
	LastBill  *gridline.Money `json:"last_bill"`
	Arrears   *gridline.Money `json:"arrears"`
	BilledAt  *time.Time      `json:"billed_at"`
}

// customerInput is POST /api/v1/customers and PUT /api/v1/customers/:id. The
// shape is checked here; the archive's own rules (phone and account-number
// formats, attribute types) in archive.Normalize.
type customerInput struct {
	Kind         string             `json:"kind" validate:"omitempty,oneof=individual organisation"`
	Name         string             `json:"name" validate:"max=200"`
	Phone        string             `json:"phone" validate:"max=40"`
	Phones       []string           `json:"phones" validate:"max=10,dive,max=40"`
	Email        string             `json:"email" validate:"omitempty,email,max=254"`
	Address      string             `json:"address" validate:"max=500"`
	AccountNo    string             `json:"account_no" validate:"max=32"`
	Lang         string             `json:"lang" validate:"omitempty,oneof=zh en"`
	IncomeBand   string             `json:"income_band" validate:"max=50"`
	IDNumber     string             `json:"id_number" validate:"max=32"`
	Identifier   string             `json:"identifier" validate:"max=255"`
	Segment      string             `json:"segment" validate:"omitempty,oneof=resident intermediary large"`
	Relationship string             `json:"relationship" validate:"omitempty,oneof=potential current former"`
	Organisation *organisationInput `json:"organisation"`
	ContactOf    string             `json:"contact_of" validate:"max=64"`
	Attributes   map[string]string  `json:"attributes" validate:"max=100"`
	Accounts     []accountInput     `json:"accounts" validate:"max=200,dive"`
}

func (in *customerInput) customer() *gridline.Customer {
	c := &gridline.Customer{Kind: in.Kind, Name: in.Name, Phone: in.Phone, Phones: in.Phones, Email: in.Email,
		Address: in.Address, AccountNo: in.AccountNo, Lang: in.Lang, IncomeBand: in.IncomeBand, IDNumber: in.IDNumber,
		Identifier: in.Identifier, Segment: in.Segment, Relationship: in.Relationship, ContactOf: in.ContactOf,
		Attributes: in.Attributes, Accounts: []gridline.Account{}}
	if c.Lang == "" {
		c.Lang = gridline.LangZH
	}
	if o := in.Organisation; o != nil {
		c.Organisation = &gridline.Organisation{Nature: o.Nature, Location: o.Location, Bank: o.Bank,
			BankAccount: o.BankAccount, PostalAddress: o.PostalAddress, OpenedOn: o.OpenedOn,
			RegisteredCapital: o.RegisteredCapital, Employees: o.Employees, ProductionScale: o.ProductionScale,
			SalesSituation: o.SalesSituation}
	}
	for _, a := range in.Accounts {
		c.Accounts = append(c.Accounts, gridline.Account{AccountNo: a.AccountNo, Address: a.Address,
			AreaClass: a.AreaClass, Tariff: a.Tariff, MeterNo: a.MeterNo, Status: a.Status, Phone: a.Phone,
			Balance: a.Balance, LastBill: a.LastBill, Arrears: a.Arrears, BilledAt: a.BilledAt})
	}
	return c
}

type customerQuery struct {
	Q     string `query:"q" validate:"max=100"`
	After string `query:"after" validate:"max=64"`
	Limit int    `query:"limit" validate:"gte=0,lte=100"`
}

// customerList is every list answer: {customers:[…]}.
type customerList struct {
	Customers []*gridline.Customer `json:"customers"`
}

// listCustomers is GET /api/v1/customers?q=: a search by name, phone or
// account-number prefix, or without q a page of records in ID order (?after=).
func (s *Server) listCustomers(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var q customerQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	ctx, who := c.Request().Context(), archive.Staff(currentUser(c))
	var cs []*gridline.Customer
	if strings.TrimSpace(q.Q) != "" {
		cs, err = svc.Search(ctx, who, q.Q, q.Limit)
	} else {
		cs, err = svc.List(ctx, who, gridline.CustomerFilter{After: q.After, Limit: q.Limit})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, customerList{Customers: nonNilSlice(cs)})
}

func (s *Server) createCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in customerInput
	if err := bind(c, &in); err != nil {
		return err
	}
	cu, err := svc.Create(c.Request().Context(), archive.Staff(currentUser(c)), in.customer())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cu)
}

func (s *Server) getCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	cu, err := svc.Get(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cu)
}

func (s *Server) updateCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in customerInput
	if err := bind(c, &in); err != nil {
		return err
	}
	cu := in.customer()
	cu.ID = c.Param("id")
	out, err := svc.Update(c.Request().Context(), archive.Staff(currentUser(c)), cu)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type revealInput struct {
	Field string `json:"field" validate:"required,max=64"`
}

type revealOutput struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
}

// revealCustomer is POST /api/v1/customers/:id/reveal {field}: one field of
// personal data unmasked, logged in the record's audit log.
func (s *Server) revealCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in revealInput
	if err := bind(c, &in); err != nil {
		return err
	}
	vs, err := svc.Reveal(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"), in.Field)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, revealOutput{Field: in.Field, Values: vs})
}

// importCustomers is POST /api/v1/customers/import: a CSV file as the body
// (text/csv) or as the "file" part of a form. All or nothing; problems are
// 400 with fields "<line>.<column>".
func (s *Server) importCustomers(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var body io.Reader = c.Request().Body
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt == echo.MIMEMultipartForm {
		fh, err := c.FormFile("file")
		if err != nil {
			return &gridline.Error{Code: gridline.EINVALID, Message: "send the CSV as the form's file",
				Fields: map[string]string{"file": "required"}}
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	data, err := io.ReadAll(body)
	if err != nil {
		var he *echo.HTTPError
		if asErr(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
			return gridline.Errorf(gridline.ETOOLARGE, "the file is too large")
		}
		return gridline.Errorf(gridline.EINVALID, "the file could not be read")
	}
	n, err := svc.Import(c.Request().Context(), archive.Staff(currentUser(c)), bytes.NewReader(data))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"imported": n})
}

// exportCustomers is GET /api/v1/customers/export: every record as CSV,
// streamed a page at a time.
func (s *Server) exportCustomers(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	name := "gridline-customers-" + s.now().UTC().Format("20060102") + ".csv"
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	res.WriteHeader(http.StatusOK)
	if _, err := svc.Export(c.Request().Context(), archive.Staff(currentUser(c)), res); err != nil {
		// The status is sent; all that is left is to cut the file short and say why in the log.
		s.logger.Error("customers: export", "err", err)
	}
	return nil
}

type mergeInput struct {
	FromID string `json:"from_id" validate:"required,max=64"`
}

// mergeCustomer is POST /api/v1/customers/:id/merge {from_id}: from_id's
// conversations, requests and accounts move to :id, which takes what it lacked.
func (s *Server) mergeCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in mergeInput
	if err := bind(c, &in); err != nil {
		return err
	}
	m, err := svc.Merge(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"), in.FromID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// customerContacts is GET /api/v1/customers/:id/contacts: an organisation's
// contact people.
func (s *Server) customerContacts(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	cs, err := svc.Contacts(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, customerList{Customers: nonNilSlice(cs)})
}

type contactInput struct {
	CustomerID string `json:"customer_id" validate:"required,max=64"`
}

// linkContact is POST /api/v1/customers/:id/contacts {customer_id}: that
// person becomes a contact person of the organisation :id.
func (s *Server) linkContact(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in contactInput
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := svc.LinkContact(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"), in.CustomerID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// unlinkContact is DELETE /api/v1/customers/:id/contacts/:person.
func (s *Server) unlinkContact(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	if err := svc.UnlinkContact(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"), c.Param("person")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type auditQuery struct {
	Limit int `query:"limit" validate:"gte=0,lte=1000"`
}

// customerAudit is GET /api/v1/customers/:id/audit: who viewed or changed the
// record, newest first.
func (s *Server) customerAudit(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var q auditQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	es, err := svc.Audit(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id"), q.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string][]*gridline.AuditEntry{"entries": nonNilSlice(es)})
}

func (s *Server) anonymiseCustomer(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	if err := svc.Anonymise(c.Request().Context(), archive.Staff(currentUser(c)), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) customerFigures(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	f, err := svc.Figures(c.Request().Context(), archive.Staff(currentUser(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// attributeInput is one custom attribute definition as admins write it.
type attributeInput struct {
	Key     string   `json:"key" validate:"required,max=40"`
	Label   string   `json:"label" validate:"max=100"`
	Type    string   `json:"type" validate:"required,oneof=text number date list"`
	Options []string `json:"options" validate:"max=100,dive,max=100"`
}

type attributesBody struct {
	Attributes []attributeInput `json:"attributes" validate:"max=100,dive"`
}

func (s *Server) getCustomerAttributes(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	defs, err := svc.Attributes(c.Request().Context(), archive.Staff(currentUser(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string][]gridline.AttributeDef{"attributes": nonNilSlice(defs)})
}

// putCustomerAttributes is PUT /api/v1/customer-attributes {attributes:[…]}:
// the definitions replaced as a whole.
func (s *Server) putCustomerAttributes(c echo.Context) error {
	svc, err := s.archiveService()
	if err != nil {
		return err
	}
	var in attributesBody
	if err := bind(c, &in); err != nil {
		return err
	}
	defs := make([]gridline.AttributeDef, len(in.Attributes))
	for i, a := range in.Attributes {
		defs[i] = gridline.AttributeDef{Key: a.Key, Label: a.Label, Type: a.Type, Options: a.Options}
	}
	if err := svc.SetAttributes(c.Request().Context(), archive.Staff(currentUser(c)), defs); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string][]gridline.AttributeDef{"attributes": defs})
}

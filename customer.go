package gridline

import (
	"context"
	"time"
)

// Customer is a person who contacts the utility. The archive keeps their
// conversations; Name, Phone and AccountNo are filled in when they tell us.
type Customer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	AccountNo string    `json:"account_no,omitempty"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
}

// CustomerStore keeps customers; store/storetest.RunCustomers is its contract.
type CustomerStore interface {
	// CreateCustomer stores c, giving it an ID and CreatedAt when they are zero.
	CreateCustomer(ctx context.Context, c *Customer) error
	// Customer returns ENOTFOUND if there is no such customer.
	Customer(ctx context.Context, id string) (*Customer, error)
	// UpdateCustomer saves Name, Phone, AccountNo and Lang. Returns ENOTFOUND.
	UpdateCustomer(ctx context.Context, c *Customer) error
}

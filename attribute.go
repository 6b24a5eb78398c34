package gridline

import "context"

// Types of a custom attribute's value.
const (
	AttrText   = "text"
	AttrNumber = "number"
	AttrDate   = "date"
	AttrList   = "list"
)

// AttributeDef is one custom attribute the utility keeps on every customer, as
// Chatwoot's custom attributes: a key, a label to show, a type, and for a list
// the options a value must be one of. Values live in Customer.Attributes.
type AttributeDef struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	Type    string   `json:"type"`
	Options []string `json:"options,omitempty"`
}

// AttributeStore keeps the custom attribute definitions;
// store/storetest.RunAttributes is its contract.
type AttributeStore interface {
	// AttributeDefs returns the definitions in their order.
	AttributeDefs(ctx context.Context) ([]AttributeDef, error)
	// SetAttributeDefs replaces them all. Values already stored are kept.
	SetAttributeDefs(ctx context.Context, defs []AttributeDef) error
}

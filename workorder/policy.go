// Package workorder carries every lasting matter to closure on the utility's
// service clock: the policy table of deadlines per type (wall-clock or working
// days, by area and supply class), the working-day calendar, the state machine
// with its follow-up (回访), reminders (催办), incidents that group repair reports
// of one area under a master order, and the sweep that warns at 80 % and reports
// breaches once across replicas. It is transport-free: it speaks to the store
// and the switchboard through the root package's seams.
package workorder

import (
	"fmt"
	"slices"

	"github.com/gridline/gridline"
)

// Where a deadline's clock starts.
const (
	FromAccepted = "accepted" // when the order was accepted (created, or reopened)
	FromArrival  = "arrival"  // when the crew arrived (restore after arrival)
	FromPayment  = "payment"  // when the customer paid (reconnection after arrears)
)

// Span is a length of service time: wall-clock minutes or working days (whole
// days of the calendar; see Calendar.AddWorkingDays). Exactly one is set.
type Span struct {
	Minutes     int `json:"minutes,omitempty"`
	WorkingDays int `json:"working_days,omitempty"`
}

func (s Span) valid() bool {
	return (s.Minutes > 0) != (s.WorkingDays > 0) && s.Minutes <= 60*24*366 && s.WorkingDays <= 366
}

// DeadlineRule is one promise of a type: its kind, when its clock starts and how
// long it runs, per supply class (applications), else per area class, else the
// default Span.
type DeadlineRule struct {
	Kind     string          `json:"kind"`
	From     string          `json:"from"`
	Span                     // the default
	ByArea   map[string]Span `json:"by_area,omitempty"`
	BySupply map[string]Span `json:"by_supply,omitempty"`
}

// SpanFor picks the rule's span for an order's area and supply class.
func (r DeadlineRule) SpanFor(area, supply string) Span {
	if s, ok := r.BySupply[supply]; ok {
		return s
	}
	if s, ok := r.ByArea[area]; ok {
		return s
	}
	return r.Span
}

// TypePolicy is how one type (and subtype; "" is the type's default) is
// handled: whether a crew goes on site, whether a follow-up must be recorded
// before closing, and its deadlines.
type TypePolicy struct {
	Type      string         `json:"type"`
	Subtype   string         `json:"subtype,omitempty"`
	OnSite    bool           `json:"on_site"`
	FollowUp  bool           `json:"follow_up"`
	Deadlines []DeadlineRule `json:"deadlines"`
}

// IncidentPolicy says which repair reports are one incident: those whose
// account's transformer area, or else whose address's first AddressPrefix
// characters, match, within WindowMinutes of the first.
type IncidentPolicy struct {
	Disabled      bool `json:"disabled"`
	WindowMinutes int  `json:"window_minutes"`
	AddressPrefix int  `json:"address_prefix"`
}

// Policy is the editable table behind every order's deadlines and steps
// (GET|PUT /api/v1/workorder-policy).
type Policy struct {
	Types    []TypePolicy   `json:"types"`
	Incident IncidentPolicy `json:"incident"`
	// FollowUpTries is how many unanswered follow-up calls close the follow-up
	// as unreachable. Zero means 3.
	FollowUpTries int `json:"follow_up_tries"`
}

// For returns the policy of a type and subtype: the subtype's own entry, else the
// type's default entry. Validate guarantees the default exists.
func (p *Policy) For(typ, subtype string) TypePolicy {
	var def TypePolicy
	for _, tp := range p.Types {
		if tp.Type != typ {
			continue
		}
		if tp.Subtype == subtype {
			return tp
		}
		if tp.Subtype == "" {
			def = tp
		}
	}
	return def
}

func (p *Policy) followUpTries() int {
	if p.FollowUpTries > 0 {
		return p.FollowUpTries
	}
	return 3
}

var (
	deadlineKinds = []string{gridline.DeadlineOnSite, gridline.DeadlineRestore, gridline.DeadlineReconnect,
		gridline.DeadlineContact, gridline.DeadlineAnswer}
	areaClasses   = []string{gridline.AreaUrban, gridline.AreaRural, gridline.AreaRemote}
	supplyClasses = []string{gridline.SupplyResidential, gridline.SupplyLowVoltage, gridline.SupplyHVSingle, gridline.SupplyHVDual}
)

// Validate checks that every type has a default entry, that subtypes and
// deadline kinds are known, once each per type, that a promise the crew's
// arrival keeps or starts belongs to a type with an on-site step, and that
// every span is one positive length. A type may have no deadline at all. It
// returns EINVALID with the offending entry named in Fields.
func (p *Policy) Validate() error {
	fields := map[string]string{}
	seen := map[string]bool{}
	for i, tp := range p.Types {
		at := fmt.Sprintf("types[%d]", i)
		subs, ok := gridline.WorkOrderTypes[tp.Type]
		switch {
		case !ok:
			fields[at+".type"] = "is not a work-order type"
			continue
		case tp.Subtype != "" && !slices.Contains(subs, tp.Subtype):
			fields[at+".subtype"] = "is not a subtype of " + tp.Type
		case seen[tp.Type+"/"+tp.Subtype]:
			fields[at] = "repeats " + tp.Type + " " + tp.Subtype
		}
		seen[tp.Type+"/"+tp.Subtype] = true
		kinds := map[string]bool{}
		for j, r := range tp.Deadlines {
			rat := fmt.Sprintf("%s.deadlines[%d]", at, j)
			if !slices.Contains(deadlineKinds, r.Kind) || kinds[r.Kind] {
				fields[rat+".kind"] = "must be a distinct one of on_site, restore, reconnect, contact, answer"
			}
			kinds[r.Kind] = true
			switch {
			case !slices.Contains([]string{FromAccepted, FromArrival, FromPayment}, r.From):
				fields[rat+".from"] = "must be one of: accepted, arrival, payment"
			case (r.Kind == gridline.DeadlineOnSite || r.From == FromArrival) && !tp.OnSite:
				// Only the crew's arrival keeps an on-site promise or starts an
				// after-arrival clock, and only on-site types have one: such a
				// rule would breach every order, or never start.
				fields[rat+".kind"] = "needs the type's on-site step: without it nobody arrives"
			case r.Kind == gridline.DeadlineOnSite && r.From != FromAccepted:
				fields[rat+".from"] = "an on-site promise runs from acceptance"
			}
			if !r.Span.valid() {
				fields[rat] = "needs exactly one of minutes or working_days, positive"
			}
			for area, s := range r.ByArea {
				if !slices.Contains(areaClasses, area) || !s.valid() {
					fields[rat+".by_area."+area] = "needs a known area class and one positive length"
				}
			}
			for supply, s := range r.BySupply {
				if !slices.Contains(supplyClasses, supply) || !s.valid() {
					fields[rat+".by_supply."+supply] = "needs a known supply class and one positive length"
				}
			}
		}
	}
	for typ := range gridline.WorkOrderTypes {
		if !seen[typ+"/"] {
			fields["types"] = "needs a default entry (no subtype) for every type; " + typ + " has none"
		}
	}
	if p.Incident.WindowMinutes < 0 || p.Incident.WindowMinutes > 7*24*60 {
		fields["incident.window_minutes"] = "must be 0 to 10080"
	}
	if p.Incident.AddressPrefix < 0 || p.Incident.AddressPrefix > 200 {
		fields["incident.address_prefix"] = "must be 0 to 200"
	}
	if p.FollowUpTries < 0 || p.FollowUpTries > 10 {
		fields["follow_up_tries"] = "must be 0 to 10"
	}
	if len(fields) > 0 {
		return &gridline.Error{Code: gridline.EINVALID, Message: "the work-order policy is invalid", Fields: fields}
	}
	return nil
}

func minutes(n int) Span     { return Span{Minutes: n} }
func workingDays(n int) Span { return Span{WorkingDays: n} }

// answer is the usual "handled and answered within n working days" rule.
func answer(n int) DeadlineRule {
	return DeadlineRule{Kind: gridline.DeadlineAnswer, From: FromAccepted, Span: workingDays(n)}
}

// contact24h is "contact the customer within 24 hours".
var contact24h = DeadlineRule{Kind: gridline.DeadlineContact, From: FromAccepted, Span: minutes(24 * 60)}

// DefaultPolicy is the 95598 practice the issue tables (docs: issue 9). The
// remote area's restore time is not in the table; it takes the rural 4 h until
// an admin says otherwise. Praise needs no follow-up call.
func DefaultPolicy() *Policy {
	return &Policy{
		Types: []TypePolicy{
			{Type: gridline.WorkOrderRepair, OnSite: true, FollowUp: true, Deadlines: []DeadlineRule{
				{Kind: gridline.DeadlineOnSite, From: FromAccepted, Span: minutes(45),
					ByArea: map[string]Span{gridline.AreaRural: minutes(90), gridline.AreaRemote: minutes(120)}},
				{Kind: gridline.DeadlineRestore, From: FromArrival, Span: minutes(180),
					ByArea: map[string]Span{gridline.AreaRural: minutes(240), gridline.AreaRemote: minutes(240)}},
			}},
			{Type: gridline.WorkOrderComplaint, FollowUp: true, Deadlines: []DeadlineRule{contact24h, answer(4)}},
			{Type: gridline.WorkOrderReport, FollowUp: true, Deadlines: []DeadlineRule{contact24h, answer(9)}},
			{Type: gridline.WorkOrderServiceRequest, FollowUp: true, Deadlines: []DeadlineRule{answer(5)}},
			{Type: gridline.WorkOrderServiceRequest, Subtype: "reconnection", FollowUp: true, Deadlines: []DeadlineRule{
				{Kind: gridline.DeadlineReconnect, From: FromPayment, Span: minutes(24 * 60)}, answer(1)}},
			{Type: gridline.WorkOrderServiceRequest, Subtype: "appliance_damage", OnSite: true, FollowUp: true, Deadlines: []DeadlineRule{
				{Kind: gridline.DeadlineOnSite, From: FromAccepted, Span: minutes(24 * 60)}, answer(1)}},
			{Type: gridline.WorkOrderServiceRequest, Subtype: "meter_anomaly", FollowUp: true, Deadlines: []DeadlineRule{answer(4)}},
			{Type: gridline.WorkOrderServiceRequest, Subtype: "reading_anomaly", FollowUp: true, Deadlines: []DeadlineRule{answer(6)}},
			{Type: gridline.WorkOrderServiceRequest, Subtype: "other", FollowUp: true, Deadlines: []DeadlineRule{answer(5)}},
			{Type: gridline.WorkOrderApplication, FollowUp: true, Deadlines: []DeadlineRule{
				{Kind: gridline.DeadlineAnswer, From: FromAccepted, Span: workingDays(5), BySupply: map[string]Span{
					gridline.SupplyLowVoltage: workingDays(6), gridline.SupplyHVSingle: workingDays(22), gridline.SupplyHVDual: workingDays(32)}}}},
			{Type: gridline.WorkOrderConsultation, FollowUp: true, Deadlines: []DeadlineRule{answer(1)}},
			{Type: gridline.WorkOrderOpinion, FollowUp: true, Deadlines: []DeadlineRule{answer(10)}},
			{Type: gridline.WorkOrderPraise, FollowUp: false, Deadlines: []DeadlineRule{answer(10)}},
		},
		Incident:      IncidentPolicy{WindowMinutes: 120, AddressPrefix: 12},
		FollowUpTries: 3,
	}
}

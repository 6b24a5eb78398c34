package workorder

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// testCalendar is a calendar the tests build: National Day holidays Thursday 1
// to Wednesday 7 October 2026 and a make-up working Saturday, 10 October.
func testCalendar(t *testing.T) *Calendar {
	t.Helper()
	cal, err := NewCalendar(CalendarData{TimeZone: "Asia/Shanghai", Years: map[string]CalendarYear{"2026": {
		Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"},
		Workdays: []string{"2026-10-10"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func cst(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestAddWorkingDays(t *testing.T) {
	cal := testCalendar(t)
	plain, err := NewCalendar(CalendarData{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		cal   *Calendar
		start string
		n     int
		want  string
	}{
		{"across the holiday week", cal, "2026-09-28 09:00", 4, "2026-10-10 00:00"},
		{"the hour of acceptance does not matter", cal, "2026-09-28 17:59", 4, "2026-10-10 00:00"},
		{"a make-up Saturday counts", cal, "2026-10-09 10:00", 1, "2026-10-11 00:00"},
		{"the Sunday after it does not", cal, "2026-10-09 10:00", 2, "2026-10-13 00:00"},
		{"accepted on a weekend", cal, "2026-09-26 10:00", 1, "2026-09-29 00:00"},
		{"accepted on a holiday", cal, "2026-10-03 10:00", 1, "2026-10-09 00:00"},
		{"a year nobody entered: weekends only", plain, "2026-09-28 09:00", 4, "2026-10-03 00:00"},
		{"late evening in Beijing is still that day", cal, "2026-09-29 23:30", 1, "2026-10-01 00:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.AddWorkingDays(cst(t, tt.start), tt.n); !got.Equal(cst(t, tt.want)) {
				t.Errorf("%s + %d working days = %s, want %s", tt.start, tt.n, got.In(cal.Location()), tt.want)
			}
		})
	}
	if !cal.IsWorkingDay(cst(t, "2026-10-10 08:00")) || cal.IsWorkingDay(cst(t, "2026-10-01 08:00")) || cal.IsWorkingDay(cst(t, "2026-10-11 08:00")) {
		t.Error("IsWorkingDay disagrees with the calendar")
	}
}

// TestPolicyDeadlines: the default table's promises, per type, area and supply.
func TestPolicyDeadlines(t *testing.T) {
	cal := testCalendar(t)
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	start := cst(t, "2026-09-28 09:00")
	rule := func(typ, subtype, kind string) DeadlineRule {
		for _, r := range p.For(typ, subtype).Deadlines {
			if r.Kind == kind {
				return r
			}
		}
		t.Fatalf("%s/%s has no %s deadline", typ, subtype, kind)
		return DeadlineRule{}
	}
	for _, tt := range []struct {
		name, typ, subtype, kind, area, supply string
		want                                   time.Time
	}{
		{"repair urban on site", gridline.WorkOrderRepair, "", gridline.DeadlineOnSite, gridline.AreaUrban, "", start.Add(45 * time.Minute)},
		{"repair rural on site", gridline.WorkOrderRepair, "", gridline.DeadlineOnSite, gridline.AreaRural, "", start.Add(90 * time.Minute)},
		{"repair remote on site", gridline.WorkOrderRepair, "", gridline.DeadlineOnSite, gridline.AreaRemote, "", start.Add(2 * time.Hour)},
		{"repair unknown area is urban", gridline.WorkOrderRepair, "", gridline.DeadlineOnSite, "", "", start.Add(45 * time.Minute)},
		{"restore urban after arrival", gridline.WorkOrderRepair, "", gridline.DeadlineRestore, gridline.AreaUrban, "", start.Add(3 * time.Hour)},
		{"restore rural after arrival", gridline.WorkOrderRepair, "", gridline.DeadlineRestore, gridline.AreaRural, "", start.Add(4 * time.Hour)},
		{"complaint contact", gridline.WorkOrderComplaint, "", gridline.DeadlineContact, gridline.AreaUrban, "", start.Add(24 * time.Hour)},
		{"complaint answer across the holiday", gridline.WorkOrderComplaint, "", gridline.DeadlineAnswer, gridline.AreaUrban, "", cst(t, "2026-10-10 00:00")},
		{"report answer, 9 working days", gridline.WorkOrderReport, "", gridline.DeadlineAnswer, "", "", cst(t, "2026-10-16 00:00")},
		{"reconnection 24 h from payment", gridline.WorkOrderServiceRequest, "reconnection", gridline.DeadlineReconnect, "", "", start.Add(24 * time.Hour)},
		{"reading anomaly 6 working days", gridline.WorkOrderServiceRequest, "reading_anomaly", gridline.DeadlineAnswer, "", "", cst(t, "2026-10-13 00:00")},
		{"unknown subtype takes the type default", gridline.WorkOrderServiceRequest, "", gridline.DeadlineAnswer, "", "", cst(t, "2026-10-11 00:00")},
		{"application residential", gridline.WorkOrderApplication, "solar", gridline.DeadlineAnswer, "", gridline.SupplyResidential, cst(t, "2026-10-11 00:00")},
		{"application low voltage", gridline.WorkOrderApplication, "ev_charger", gridline.DeadlineAnswer, "", gridline.SupplyLowVoltage, cst(t, "2026-10-13 00:00")},
		{"consultation next working day", gridline.WorkOrderConsultation, "callback", gridline.DeadlineAnswer, "", "", cst(t, "2026-09-30 00:00")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDeadline(cal, rule(tt.typ, tt.subtype, tt.kind), tt.area, tt.supply, start)
			if !d.DueAt.Equal(tt.want) {
				t.Errorf("due %s, want %s", d.DueAt.In(cal.Location()), tt.want)
			}
			if want := start.Add(tt.want.Sub(start) * 8 / 10); !d.WarnAt.Equal(want) {
				t.Errorf("warn at %s, want 80 %% of the way (%s)", d.WarnAt, want)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	p := DefaultPolicy()
	p.Types = append(p.Types, TypePolicy{Type: "weather"})
	p.Types[0].Deadlines[0].ByArea["suburb"] = Span{Minutes: 10}
	p.Types[1].Deadlines[0].Span = Span{Minutes: 10, WorkingDays: 1}
	// Complaints get an on-site promise, which nothing would keep, and a
	// second answer rule; praise loses its only one, which is allowed.
	p.Types[1].Deadlines = append(p.Types[1].Deadlines,
		DeadlineRule{Kind: gridline.DeadlineOnSite, From: FromAccepted, Span: Span{Minutes: 60}},
		DeadlineRule{Kind: gridline.DeadlineAnswer, From: FromAccepted, Span: Span{WorkingDays: 2}})
	p.Types[12].Deadlines = nil
	err := p.Validate()
	if gridline.ErrorCode(err) != gridline.EINVALID {
		t.Fatalf("Validate = %v", err)
	}
	fields := err.(*gridline.Error).Fields
	for _, f := range []string{"types[13].type", "types[0].deadlines[0].by_area.suburb", "types[1].deadlines[0]",
		"types[1].deadlines[2].kind", "types[1].deadlines[3].kind"} {
		if fields[f] == "" {
			t.Errorf("no complaint about %s in %v", f, fields)
		}
	}
	if len(fields) != 5 {
		t.Errorf("complaints %v, want the five above alone", fields)
	}
	added := DefaultPolicy()
	added.Types[12].Deadlines = nil // praise: no promise at all
	added.Types[1].Deadlines = append(added.Types[1].Deadlines, DeadlineRule{Kind: gridline.DeadlineRestore, From: FromAccepted, Span: Span{Minutes: 600}})
	if err := added.Validate(); err != nil {
		t.Errorf("a rule added and one removed: %v", err)
	}
	_, err = NewCalendar(CalendarData{Years: map[string]CalendarYear{"2026": {Holidays: []string{"2027-01-01", "2026-13-01"}}}})
	if gridline.ErrorCode(err) != gridline.EINVALID {
		t.Errorf("a holiday outside its year: %v", err)
	}
}

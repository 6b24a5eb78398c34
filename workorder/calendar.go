package workorder

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/gridline/gridline"
)

// DefaultTimeZone is the zone working days and order numbers are counted in
// when the calendar names none.
const DefaultTimeZone = "Asia/Shanghai"

// CalendarYear is one year's exceptions to the weekly rhythm: public holidays
// that fall on working days, and make-up working days (调休) that fall on the
// weekend. Dates are "2006-01-02" in the calendar's zone.
type CalendarYear struct {
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// CalendarData is the calendar as admins edit and import it (GET|PUT
// /api/v1/calendar): the zone, the weekend days (0 Sunday … 6 Saturday; empty
// means Saturday and Sunday) and the exceptions per year. No year is built in:
// a year nobody entered has weekends only.
type CalendarData struct {
	TimeZone string                  `json:"time_zone"`
	Weekend  []int                   `json:"weekend"`
	Years    map[string]CalendarYear `json:"years"`
}

// Merge returns d with other's zone and weekend (when given) and other's years
// replacing d's years of the same number, so that an admin imports one year
// without resending the others.
func (d CalendarData) Merge(other CalendarData) CalendarData {
	out := CalendarData{TimeZone: d.TimeZone, Weekend: d.Weekend, Years: maps.Clone(d.Years)}
	if other.TimeZone != "" {
		out.TimeZone = other.TimeZone
	}
	if len(other.Weekend) > 0 {
		out.Weekend = other.Weekend
	}
	if out.Years == nil {
		out.Years = map[string]CalendarYear{}
	}
	maps.Copy(out.Years, other.Years)
	return out
}

// Calendar answers whether a date is a working day and adds working days. It is
// immutable once built by NewCalendar and safe for concurrent use.
type Calendar struct {
	data     CalendarData
	loc      *time.Location
	weekend  [7]bool
	holidays map[string]bool
	workdays map[string]bool
}

// NewCalendar checks d and builds its calendar. Returns EINVALID naming the
// bad date, zone or weekday in Fields.
func NewCalendar(d CalendarData) (*Calendar, error) {
	fields := map[string]string{}
	zone := d.TimeZone
	if zone == "" {
		zone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		fields["time_zone"] = "is not a known time zone"
		loc = time.UTC
	}
	c := &Calendar{data: d, loc: loc, holidays: map[string]bool{}, workdays: map[string]bool{}}
	weekend := d.Weekend
	if len(weekend) == 0 {
		weekend = []int{int(time.Saturday), int(time.Sunday)}
	}
	for i, wd := range weekend {
		if wd < 0 || wd > 6 {
			fields[fmt.Sprintf("weekend[%d]", i)] = "must be 0 (Sunday) to 6 (Saturday)"
			continue
		}
		c.weekend[wd] = true
	}
	for _, year := range slices.Sorted(maps.Keys(d.Years)) {
		y := d.Years[year]
		if n, err := strconv.Atoi(year); err != nil || n < 2000 || n > 2200 {
			fields["years."+year] = "must be a year such as 2026"
			continue
		}
		for kind, dates := range map[string][]string{"holidays": y.Holidays, "workdays": y.Workdays} {
			for i, s := range dates {
				day, err := time.ParseInLocation(time.DateOnly, s, loc)
				if err != nil || strconv.Itoa(day.Year()) != year {
					fields[fmt.Sprintf("years.%s.%s[%d]", year, kind, i)] = "must be a date of " + year + " as 2006-01-02"
					continue
				}
				if kind == "holidays" {
					c.holidays[s] = true
				} else {
					c.workdays[s] = true
				}
			}
		}
	}
	for s := range c.holidays {
		if c.workdays[s] {
			fields["years."+s[:4]] = s + " is both a holiday and a working day"
		}
	}
	if len(fields) > 0 {
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: "the calendar is invalid", Fields: fields}
	}
	return c, nil
}

// Data is the calendar as it was built from.
func (c *Calendar) Data() CalendarData { return c.data }

// Location is the calendar's zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the date of t (in the calendar's zone) is a
// working day: a make-up working day, or not a holiday and not a weekend day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	day := t.In(c.loc).Format(time.DateOnly)
	switch {
	case c.workdays[day]:
		return true
	case c.holidays[day]:
		return false
	}
	return !c.weekend[t.In(c.loc).Weekday()]
}

// AddWorkingDays is the end (midnight) of the n-th working day after the day of
// t. The 95598 practice counts whole working days from the day after
// acceptance, so an order accepted on Monday at 09:00 or at 17:00 with four
// working days is due by the end of Friday alike; a holiday or a weekend in
// between does not count, a make-up Saturday does.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	local := t.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, c.loc) // noon: clear of DST edges
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	next := day.AddDate(0, 0, 1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, c.loc)
}

// Add is the due time of a span started at t.
func (c *Calendar) Add(t time.Time, s Span) time.Time {
	if s.WorkingDays > 0 {
		return c.AddWorkingDays(t, s.WorkingDays)
	}
	return t.Add(time.Duration(s.Minutes) * time.Minute)
}

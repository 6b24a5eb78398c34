package insight

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/gridline/gridline"
)

// Limits of an analytics window: a year by days, 31 days by hours.
const (
	MaxDayWindow  = 366 * 24 * time.Hour
	MaxHourWindow = 31 * 24 * time.Hour
	// DefaultWindow is the window when none is asked for: the last week.
	DefaultWindow = 7 * 24 * time.Hour
)

// Figures are a window's service figures with their definitions' arithmetic
// done: rates are shares (0..1), averages are over what they name.
type Figures struct {
	Conversations int `json:"conversations"`
	Engaged       int `json:"engaged"`
	// BotContainment is bot-only over engaged conversations: engaged (the
	// customer wrote) and closed without a person.
	BotContainment float64 `json:"bot_containment"`
	// HandoffRate is handed-off (queued, assigned or owned) over all.
	HandoffRate float64 `json:"handoff_rate"`
	Handoffs    int     `json:"handoffs"`
	// AvgWaitSeconds is the mean time from queued to assigned of those both.
	AvgWaitSeconds float64       `json:"avg_wait_seconds"`
	Ratings        int           `json:"ratings"`
	AvgRating      float64       `json:"avg_rating"`
	Distribution   [5]int        `json:"distribution"`
	Reasons        []ReasonCount `json:"reasons"`
	OrdersOpened   int           `json:"orders_opened"`
	OrdersClosed   int           `json:"orders_closed"`
	// OrdersOverdue counts orders with a deadline due in the window and not
	// met by it.
	OrdersOverdue int `json:"orders_overdue"`
}

// ReasonCount is how often a reason was given for a low rating.
type ReasonCount struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// Bucket is one day or hour of the window, in the utility's time zone.
type Bucket struct {
	Start          string  `json:"start"`
	Conversations  int     `json:"conversations"`
	Handoffs       int     `json:"handoffs"`
	BotContainment float64 `json:"bot_containment"`
	HandoffRate    float64 `json:"handoff_rate"`
	AvgWaitSeconds float64 `json:"avg_wait_seconds"`
	Ratings        int     `json:"ratings"`
	AvgRating      float64 `json:"avg_rating"`
	OrdersOpened   int     `json:"orders_opened"`
	OrdersClosed   int     `json:"orders_closed"`
}

// Report is the dashboard's data: the window and the previous window of the
// same length, every bucket of the window (empty ones too, so that a chart's
// axis is even).
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Bucket   string    `json:"bucket"`
	TimeZone string    `json:"time_zone"`
	Current  Figures   `json:"current"`
	Previous Figures   `json:"previous"`
	Buckets  []Bucket  `json:"buckets"`
}

// AnalyticsQuery asks for a window; nothing at all means the last seven whole
// days, today included; a zero To means now and a zero From DefaultWindow
// before To; an empty bucket means days. FromDay and ToDay ("2006-01-02"), when
// set, name whole days of the utility's calendar instead — what a manager
// picks — ToDay included.
type AnalyticsQuery struct {
	From, To       time.Time
	FromDay, ToDay string
	Bucket         string
}

// Analytics is the report over q for u: supervisors and admins only
// (EFORBIDDEN otherwise). Returns EINVALID for a window that ends before it
// starts, is too long for its bucket, or an unknown bucket.
func (s *Service) Analytics(ctx context.Context, u *gridline.User, q AnalyticsQuery) (*Report, error) {
	if !gridline.SeesAllConversations(u) {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "the figures are for supervisors and admins")
	}
	if q.Bucket == "" {
		q.Bucket = gridline.BucketDay
	}
	loc := time.UTC
	if cal, err := s.WorkOrders.Calendar(ctx); err == nil {
		loc = cal.Location()
	}
	if q.From.IsZero() && q.To.IsZero() && q.FromDay == "" && q.ToDay == "" {
		// The last seven whole days of the calendar, today included.
		today := s.now().In(loc)
		q.ToDay = today.Format(time.DateOnly)
		q.FromDay = today.AddDate(0, 0, -6).Format(time.DateOnly)
	}
	if q.FromDay != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.FromDay, loc)
		if err != nil {
			return nil, invalid("from", "must be a date (2006-01-02) or a time (RFC 3339)")
		}
		q.From = d
	}
	if q.ToDay != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.ToDay, loc)
		if err != nil {
			return nil, invalid("to", "must be a date (2006-01-02) or a time (RFC 3339)")
		}
		q.To = d.AddDate(0, 0, 1)
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-DefaultWindow)
	}
	span := q.To.Sub(q.From)
	switch {
	case q.Bucket != gridline.BucketDay && q.Bucket != gridline.BucketHour:
		return nil, invalid("bucket", "must be day or hour")
	case span <= 0:
		return nil, invalid("to", "must be after from")
	case q.Bucket == gridline.BucketDay && span > MaxDayWindow:
		return nil, invalid("from", "a window by days is at most 366 days")
	case q.Bucket == gridline.BucketHour && span > MaxHourWindow:
		return nil, invalid("from", "a window by hours is at most 31 days")
	}
	_, offset := q.From.In(loc).Zone()
	cur, err := s.Store.Analytics(ctx, gridline.AnalyticsQuery{From: q.From, To: q.To, Bucket: q.Bucket, UTCOffset: offset / 60})
	if err != nil {
		return nil, err
	}
	prev, err := s.Store.Analytics(ctx, gridline.AnalyticsQuery{From: q.From.Add(-span), To: q.From, Bucket: q.Bucket, UTCOffset: offset / 60})
	if err != nil {
		return nil, err
	}
	r := &Report{From: q.From.UTC(), To: q.To.UTC(), Bucket: q.Bucket, TimeZone: loc.String(),
		Current: figures(cur), Previous: figures(prev)}
	have := map[string]gridline.ServiceCounts{}
	for _, b := range cur.Buckets {
		have[b.Start] = b.ServiceCounts
	}
	zone := time.FixedZone(loc.String(), offset)
	for _, start := range bucketStarts(q.From.In(zone), q.To.In(zone), q.Bucket) {
		c := have[start]
		r.Buckets = append(r.Buckets, Bucket{Start: start, Conversations: c.Conversations, Handoffs: c.Handoffs,
			BotContainment: ratio(float64(c.BotOnly), c.Engaged), HandoffRate: ratio(float64(c.Handoffs), c.Conversations),
			AvgWaitSeconds: ratio(c.WaitSeconds, c.Waited), Ratings: c.Ratings, AvgRating: ratio(float64(c.RatingSum), c.Ratings),
			OrdersOpened: c.OrdersOpened, OrdersClosed: c.OrdersClosed})
	}
	return r, nil
}

// bucketStarts names every bucket from from's to the one holding the last
// instant before to, as the store names them.
func bucketStarts(from, to time.Time, bucket string) []string {
	var out []string
	if bucket == gridline.BucketHour {
		for t := from.Truncate(time.Hour); t.Before(to); t = t.Add(time.Hour) {
			out = append(out, t.Format("2006-01-02T15"))
		}
		return out
	}
	for t := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location()); t.Before(to); t = t.AddDate(0, 0, 1) {
		out = append(out, t.Format("2006-01-02"))
	}
	return out
}

// figures does the arithmetic of a window's counts.
func figures(c *gridline.AnalyticsCounts) Figures {
	t := c.Total
	f := Figures{Conversations: t.Conversations, Engaged: t.Engaged, Handoffs: t.Handoffs,
		BotContainment: ratio(float64(t.BotOnly), t.Engaged), HandoffRate: ratio(float64(t.Handoffs), t.Conversations),
		AvgWaitSeconds: ratio(t.WaitSeconds, t.Waited), Ratings: t.Ratings, AvgRating: ratio(float64(t.RatingSum), t.Ratings),
		Distribution: c.Distribution, Reasons: []ReasonCount{}, OrdersOpened: t.OrdersOpened, OrdersClosed: t.OrdersClosed,
		OrdersOverdue: c.OrdersOverdue}
	for code, n := range c.Reasons {
		f.Reasons = append(f.Reasons, ReasonCount{Code: code, Count: n})
	}
	sort.Slice(f.Reasons, func(i, j int) bool {
		if f.Reasons[i].Count != f.Reasons[j].Count {
			return f.Reasons[i].Count > f.Reasons[j].Count
		}
		return f.Reasons[i].Code < f.Reasons[j].Code
	})
	return f
}

// ratio is sum/n rounded to three decimals, and 0 when n is 0.
func ratio(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(sum/float64(n)*1000) / 1000
}

package gridline

import (
	"context"
	"time"
)

// Analytics buckets.
const (
	BucketDay  = "day"
	BucketHour = "hour"
)

// AnalyticsQuery is a window of the service figures: conversations, ratings and
// work orders created in [From, To), counted per Bucket of local time
// (UTCOffset minutes east of UTC: the utility's zone, fixed over the window).
type AnalyticsQuery struct {
	From, To  time.Time
	Bucket    string
	UTCOffset int
}

// ServiceCounts are the sums behind the dashboard's figures, for one bucket or
// a whole window; rates and averages are computed from them (see insight).
// A conversation was handed off when it was ever queued, assigned or owned;
// engaged when the customer wrote at least once; bot-only when engaged and
// never handed off.
type ServiceCounts struct {
	Conversations int     `json:"conversations"`
	Engaged       int     `json:"engaged"`
	BotOnly       int     `json:"bot_only"`
	Handoffs      int     `json:"handoffs"`
	Waited        int     `json:"waited"`
	WaitSeconds   float64 `json:"wait_seconds"`
	Ratings       int     `json:"ratings"`
	RatingSum     int     `json:"rating_sum"`
	OrdersOpened  int     `json:"orders_opened"`
	OrdersClosed  int     `json:"orders_closed"`
}

// BucketCounts are the counts of one bucket; Start is the bucket's local
// start, written "2006-01-02" (day) or "2006-01-02T15" (hour).
type BucketCounts struct {
	Start string `json:"start"`
	ServiceCounts
}

// AnalyticsCounts is a window's figures: per bucket (only buckets with
// something in them), the totals, the ratings' distribution (index 0 is one
// star) and the reasons given, and the orders whose deadline fell due in the
// window unmet (overdue).
type AnalyticsCounts struct {
	Buckets       []BucketCounts `json:"buckets"`
	Total         ServiceCounts  `json:"total"`
	Distribution  [5]int         `json:"distribution"`
	Reasons       map[string]int `json:"reasons"`
	OrdersOverdue int            `json:"orders_overdue"`
}

// AnalyticsStore computes the figures in the database, one grouped query per
// panel, however many rows there are; store/storetest.RunAnalytics is its
// contract.
type AnalyticsStore interface {
	// Analytics counts the window q. Returns EINVALID for an unknown bucket.
	Analytics(ctx context.Context, q AnalyticsQuery) (*AnalyticsCounts, error)
}

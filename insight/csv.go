package insight

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteCSV writes the report as CSV, one row per bucket then a row for the
// window's total and one for the previous window, for a spreadsheet.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	i := strconv.Itoa
	_ = cw.Write([]string{"bucket", "conversations", "handoffs", "bot_containment", "handoff_rate", "avg_wait_seconds",
		"ratings", "avg_rating", "orders_opened", "orders_closed", "orders_overdue"})
	for _, b := range r.Buckets {
		_ = cw.Write([]string{b.Start, i(b.Conversations), i(b.Handoffs), f(b.BotContainment), f(b.HandoffRate),
			f(b.AvgWaitSeconds), i(b.Ratings), f(b.AvgRating), i(b.OrdersOpened), i(b.OrdersClosed), ""})
	}
	for _, row := range []struct {
		name string
		fig  Figures
	}{{"total", r.Current}, {"previous", r.Previous}} {
		x := row.fig
		_ = cw.Write([]string{row.name, i(x.Conversations), i(x.Handoffs), f(x.BotContainment), f(x.HandoffRate),
			f(x.AvgWaitSeconds), i(x.Ratings), f(x.AvgRating), i(x.OrdersOpened), i(x.OrdersClosed), i(x.OrdersOverdue)})
	}
	cw.Flush()
	return cw.Error()
}

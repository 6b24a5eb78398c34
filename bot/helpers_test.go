package bot

import "github.com/gridline/gridline"

func testSources() []*gridline.Article {
	return []*gridline.Article{
		{ID: 1, Slug: "pay", Title: "Paying your bill", Body: "Pay in the app. App payments are credited within 2 hours."},
		{ID: 2, Slug: "reconnect", Title: "Reconnection", Body: "Pay the arrears and power returns within 24 hours."},
	}
}

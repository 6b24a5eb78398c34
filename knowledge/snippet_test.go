package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

func TestSnippet(t *testing.T) {
	body := `# Paying your bill

You can pay in several ways. See [our payment page](https://example.com/pay) for **all** options.

## Direct debit

- Set up a *direct debit* in the app.
- The first payment is taken on the **due date**.

## Late payment

If you pay late, a reminder is sent after 7 days.
`
	zh := "## 复电时间\n\n缴清欠费后，系统自动发出复电指令。一般在**24小时**内恢复供电。\n\n## 联系我们\n\n请拨打客服热线95598。"
	tests := []struct {
		name, body, query string
		max               int
		want              []string // substrings the snippet must contain
		not               []string // substrings it must not contain
	}{
		{"the matching list with its heading", body, "how do I set up direct debit", 400,
			[]string{"Direct debit", "- Set up a direct debit in the app.", "due date"}, []string{"**", "*direct", "#", "reminder"}},
		{"links keep their text", body, "payment page options", 400,
			[]string{"See our payment page for all options."}, []string{"https://", "]("}},
		{"the later paragraph when it matches", body, "late payment reminder", 400,
			[]string{"reminder is sent after 7 days"}, []string{"Direct debit"}},
		{"chinese", zh, "交了电费多久来电", 400,
			[]string{"复电时间", "24小时内恢复供电"}, []string{"**", "95598"}},
		{"no match falls back to the first block", body, "weather tomorrow", 400,
			[]string{"You can pay in several ways"}, nil},
		{"cut at a sentence end", zh, "复电", 20,
			[]string{"复电时间"}, []string{"24小时"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Snippet(&gridline.Article{Body: tt.body}, tt.query, tt.max)
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("snippet has %d runes, max %d", n, tt.max)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("snippet %q lacks %q", got, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("snippet %q contains %q", got, w)
				}
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"First sentence. Second sentence is long.", 30, "First sentence."},
		{"one two three four five six", 15, "one two three…"},
		{"缴清欠费后，系统自动发出复电指令。一般在24小时内恢复供电。", 25, "缴清欠费后，系统自动发出复电指令。"},
		{"abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ md, want string }{
		{"# Paying\n\nSee [the page](https://x) for **all** options.", "Paying\n\nSee the page for all options."},
		{"## 复电\n\n一般在**24小时**内恢复供电。\n\n---\n\n请拨打`95598`。", "复电\n\n一般在24小时内恢复供电。\n\n请拨打95598。"},
		{"* one\n+ two\n1) three\n> quoted *word*", "- one\n- two\n1) three\nquoted word"},
		{"![meter](m.png) reading 3 * 4", "meter reading 3 * 4"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PlainText(tt.md); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.md, got, tt.want)
		}
	}
}

package knowledge

import (
	"slices"
	"testing"
)

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"english stems and drops stop words", "My meters are running fast",
			[]string{"meter", "meter run", "run", "run fast", "fast"}},
		{"case folding", "POWER Outage", []string{"power", "power outag", "outag"}},
		{"full-width letters and digits fold", "ＥＶ充电桩 ９５５９８",
			[]string{"ev", "充", "充电", "电", "电桩", "桩", "95598"}},
		{"chinese bigrams and unigrams", "停电通知", []string{"停", "停电", "电", "电通", "通", "通知", "知"}},
		{"chinese stop characters and words drop", "请问我的电费", []string{"电", "电费", "费"}},
		{"pronouns and particles cut a run", "我手机欠费了吗", []string{"手", "手机", "机", "机欠", "欠", "欠费", "费", "费了"}},
		{"single chinese character", "电", []string{"电"}},
		{"numbers with separators stay whole", "pay 1,200.50 now", []string{"pay", "120050", "pay 120050", "120050 now", "now"}},
		{"sentence end after a number splits", "In 2023. Later", []string{"2023", "later"}},
		{"apostrophes join", "Don't cut the customer's power", []string{"dont", "cut", "dont cut", "custom", "cut custom", "power", "custom power"}},
		{"pairs do not cross punctuation", "meter, bill", []string{"meter", "bill"}},
		{"mixed scripts split", "电表meter读数", []string{"电", "电表", "表", "meter", "读", "读数", "数"}},
		{"empty", "  ，。 ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Analyze(tt.in)
			// Order within a word's pair and the word is not part of the contract.
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Analyze(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func TestTermWeight(t *testing.T) {
	tests := []struct {
		term string
		want float64
	}{
		{"电", unigramWeight},
		{"电费", 1},
		{"meter", 1},
		{"meter read", phraseWeight},
		{"95598", 1},
	}
	for _, tt := range tests {
		if got := termWeight(tt.term); got != tt.want {
			t.Errorf("termWeight(%q) = %v, want %v", tt.term, got, tt.want)
		}
	}
}

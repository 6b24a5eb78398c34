package gridline

import "testing"

func TestDetectLang(t *testing.T) {
	tests := []struct {
		text, fallback, want string
	}{
		{"停电了", "en", LangZH},
		{"my power is out 停电", "en", LangZH},
		{"my power is out", "zh-CN", LangEN},
		{"ok", "zh", LangZH},          // too short to switch
		{"13800138000", "zh", LangZH}, // a phone number does not switch
		{"ok", "", LangEN},
		{"", "zh-CN", LangZH},
	}
	for _, tt := range tests {
		if got := DetectLang(tt.text, tt.fallback); got != tt.want {
			t.Errorf("DetectLang(%q, %q) = %q, want %q", tt.text, tt.fallback, got, tt.want)
		}
	}
}

func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{"zh-CN": LangZH, "ZH": LangZH, "zh": LangZH, "en-US": LangEN, "": LangEN, "fr": LangEN} {
		if got := NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}

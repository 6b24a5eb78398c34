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
		{"👍 谢谢！😊", "en", LangZH},
		{"👍😊", "zh", LangZH},
		{"ok thanks", "zh", LangZH}, // two words do not switch
		{"<b>电费</b> 怎么交", "en", LangZH},
		{"<img src=x onerror=alert(1)>", "zh", LangZH}, // markup is not English
		{"see https://example.com/bill?id=12 and `code here`", "zh", LangZH},
		{"how do I pay my bill", "zh", LangEN},
		{"我的户号是 ABC 吗", "en", LangZH},
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

package storetest

import (
	"testing"

	"github.com/gridline/gridline"
)

// RunSettings runs the gridline.SettingStore contract, as Run does.
func RunSettings(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Setting", testSetting},
	})
}

func testSetting(t *testing.T, st gridline.Store) {
	c := ctx(t)
	_, err := st.Setting(c, "secret")
	wantCode(t, err, gridline.ENOTFOUND)
	must(t, st.SetSetting(c, "secret", "one"))
	must(t, st.SetSetting(c, "secret", "two"))
	v, err := st.Setting(c, "secret")
	must(t, err)
	if v != "two" {
		t.Errorf("Setting = %q, want two", v)
	}
	must(t, st.SetSetting(c, "empty", ""))
	v, err = st.Setting(c, "empty")
	must(t, err)
	if v != "" {
		t.Errorf("Setting(empty) = %q", v)
	}
}

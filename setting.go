package gridline

import "context"

// SettingStore keeps the desk's settings as strings by key;
// store/storetest.RunSettings is its contract.
type SettingStore interface {
	// Setting returns ENOTFOUND for a key never set.
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

package insight

import (
	"context"
	"encoding/json"
	"regexp"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// ReasonsSetting is the settings key of the admins' list of reasons, so that
// every replica offers the same choices.
const ReasonsSetting = "insight.reasons"

// Reason is one answer to "what went wrong?", offered after a low rating:
// a stable code (what is stored and counted) and its label in each language.
type Reason struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// ReasonOther is the reason whose detail is the comment.
const ReasonOther = "other"

// DefaultReasons is the list until an admin edits it: the complaints the
// utility hears most.
var DefaultReasons = []Reason{
	{Code: "waited_long", ZH: "等待时间太长", EN: "Waited too long"},
	{Code: "not_solved", ZH: "问题没有解决", EN: "Not solved"},
	{Code: "attitude", ZH: "服务态度不好", EN: "Attitude"},
	{Code: "repeated", ZH: "需要重复说明", EN: "Had to repeat myself"},
	{Code: ReasonOther, ZH: "其他", EN: "Other"},
}

// Limits of the reasons list.
const (
	MaxReasons     = 12
	maxReasonLabel = 60
)

var reasonCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Reasons is the list in force: the admins', or DefaultReasons.
func (s *Service) Reasons(ctx context.Context) ([]Reason, error) {
	v, err := s.Store.Setting(ctx, ReasonsSetting)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return append([]Reason(nil), DefaultReasons...), nil
	}
	if err != nil {
		return nil, err
	}
	var rs []Reason
	if err := json.Unmarshal([]byte(v), &rs); err != nil {
		s.logger().Warn("insight: stored reasons unreadable; using the defaults", "err", err)
		return append([]Reason(nil), DefaultReasons...), nil
	}
	return rs, nil
}

// SetReasons validates rs and puts it in force for ratings from now on;
// ratings already stored keep the codes they were given. Returns EINVALID.
func (s *Service) SetReasons(ctx context.Context, rs []Reason) error {
	if len(rs) == 0 || len(rs) > MaxReasons {
		return invalid("reasons", "must list 1 to 12 reasons")
	}
	seen := map[string]bool{}
	for _, r := range rs {
		switch {
		case !reasonCode.MatchString(r.Code):
			return invalid("reasons", "codes are lowercase letters, digits and _ (up to 32)")
		case seen[r.Code]:
			return invalid("reasons", "code "+r.Code+" appears twice")
		case r.ZH == "" || r.EN == "" || utf8.RuneCountInString(r.ZH) > maxReasonLabel || utf8.RuneCountInString(r.EN) > maxReasonLabel:
			return invalid("reasons", "every reason needs a zh and an en label of up to 60 characters")
		}
		seen[r.Code] = true
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	return s.Store.SetSetting(ctx, ReasonsSetting, string(b))
}

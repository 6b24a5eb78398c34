package conversation

import (
	"context"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
)

// Requests lists what customers left for staff with the given status ("" for
// all), newest first, as u may see it: only the requests gridline.MaySeeRequest
// allows, and their phones masked unless u's role sees personal data
// (gridline.SeesPersonalData), as the archive shows them. Returns
// EUNAUTHORIZED without a user.
func (s *Service) Requests(ctx context.Context, u *gridline.User, status string) ([]*gridline.Request, error) {
	if u == nil {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "log in first")
	}
	reqs, err := s.cfg.Store.ListRequests(ctx, status)
	if err != nil {
		return nil, err
	}
	out := make([]*gridline.Request, 0, len(reqs))
	for _, r := range reqs {
		if !gridline.MaySeeRequest(u, r) {
			continue
		}
		if !gridline.SeesPersonalData(u.Role) {
			m := *r
			m.Phone = archive.MaskPhone(r.Phone)
			r = &m
		}
		out = append(out, r)
	}
	return out, nil
}

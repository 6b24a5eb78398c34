package workorder

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
)

// Settings keys the policy and the calendar are kept under, so that every
// replica reads the same table.
const (
	PolicySetting   = "workorder.policy"
	CalendarSetting = "workorder.calendar"
)

// Store is what the service keeps orders, the policy and the calendar in.
type Store interface {
	gridline.WorkOrderStore
	gridline.SettingStore
}

// Area is what the archive knows of an account's supply: its area class
// (urban, rural, remote; "" when unknown) and its transformer area ("" when
// unknown), which groups repair reports into incidents.
type Area struct {
	Class string
	Zone  string
}

// Archive tells an account's area. The customer archive implements it; without
// one the order's own area class applies, else urban (the strictest).
type Archive interface {
	// Area returns ENOTFOUND, or a zero Area, when it does not know the account.
	Area(ctx context.Context, customerID, accountNo string) (Area, error)
}

// Conversations finds the conversation an order is raised from, whose owner
// (first-inquiry responsibility) owns the order too, and the customer's
// conversations, whose newest open one hears of their orders' changes.
type Conversations interface {
	Conversation(ctx context.Context, id string) (*gridline.Conversation, error)
	ListConversations(ctx context.Context, f gridline.ConversationFilter) ([]*gridline.Conversation, error)
}

// Service runs work orders: it creates them with their deadlines, takes actions
// through the state machine, passes an incident master's changes to its
// children, publishes every change and sweeps deadlines. Store is required;
// the rest may be nil.
type Service struct {
	Store         Store
	Board         gridline.Switchboard
	Archive       Archive
	Conversations Conversations
	Logger        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SweepEvery is how often Run sweeps deadlines. Zero means 30 seconds.
	SweepEvery time.Duration

	warnings, breaches, reminders atomic.Int64
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Counts are this replica's figures since it started: deadline warnings and
// breaches it announced (each deadline is announced by one replica only) and
// reminders it took. /metrics exposes them; summed over replicas they count
// each event once.
type Counts struct{ Warnings, Breaches, Reminders int64 }

// Counts returns the service's figures.
func (s *Service) Counts() Counts {
	return Counts{Warnings: s.warnings.Load(), Breaches: s.breaches.Load(), Reminders: s.reminders.Load()}
}

// Policy is the policy in force: the admins' table, or DefaultPolicy.
func (s *Service) Policy(ctx context.Context) (*Policy, error) {
	v, err := s.Store.Setting(ctx, PolicySetting)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return DefaultPolicy(), nil
	} else if err != nil {
		return nil, err
	}
	var p Policy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, fmt.Errorf("workorder: stored policy: %w", err)
	}
	return &p, nil
}

// SetPolicy validates p and puts it in force for orders created or changed
// from now on. Returns EINVALID.
func (s *Service) SetPolicy(ctx context.Context, p *Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.Store.SetSetting(ctx, PolicySetting, string(b))
}

// Calendar is the working-day calendar in force; with none stored, weekends only
// in DefaultTimeZone.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	v, err := s.Store.Setting(ctx, CalendarSetting)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return NewCalendar(CalendarData{})
	} else if err != nil {
		return nil, err
	}
	var d CalendarData
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		return nil, fmt.Errorf("workorder: stored calendar: %w", err)
	}
	return NewCalendar(d)
}

// SetCalendar merges d into the stored calendar (its years replace the stored
// years of the same number) and returns the result. Returns EINVALID.
func (s *Service) SetCalendar(ctx context.Context, d CalendarData) (*Calendar, error) {
	cur, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := NewCalendar(cur.Data().Merge(d))
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(cal.Data())
	if err != nil {
		return nil, err
	}
	return cal, s.Store.SetSetting(ctx, CalendarSetting, string(b))
}

// NewOrder is what an order is opened with.
type NewOrder struct {
	Type, Subtype                           string
	CustomerID, AccountNo, ConversationID   string
	Phone, Address, AreaClass, Supply, Note string
	Description                             string
	Urgent                                  bool
	// PaidAt starts a reconnection's clock; zero means now.
	PaidAt time.Time
}

// Create opens an order: numbered, owned (by the conversation's owner, else the
// creating agent), with the deadlines of its type's policy running, and joined
// to an open incident of its area when it is a repair report. Returns
// EINVALID for an unknown type, subtype, area or supply class.
func (s *Service) Create(ctx context.Context, actor Actor, in NewOrder) (*gridline.WorkOrder, error) {
	subs, ok := gridline.WorkOrderTypes[in.Type]
	switch {
	case !ok:
		return nil, invalid("type", "is not a work-order type")
	case in.Subtype != "" && !slices.Contains(subs, in.Subtype):
		return nil, invalid("subtype", "is not a subtype of "+in.Type)
	case in.AreaClass != "" && !slices.Contains(areaClasses, in.AreaClass):
		return nil, invalid("area_class", "must be one of: urban, rural, remote")
	case in.Supply != "" && !slices.Contains(supplyClasses, in.Supply):
		return nil, invalid("supply", "must be one of: "+strings.Join(supplyClasses, ", "))
	}
	p, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	wo := &gridline.WorkOrder{ID: gridline.NewID(), Type: in.Type, Subtype: in.Subtype, Status: gridline.WorkOrderAccepted,
		CustomerID: in.CustomerID, AccountNo: in.AccountNo, ConversationID: in.ConversationID, Phone: in.Phone,
		Address: in.Address, AreaClass: in.AreaClass, Supply: in.Supply, Description: in.Description, Urgent: in.Urgent,
		CreatedAt: now, UpdatedAt: now}
	area := s.area(ctx, in.CustomerID, in.AccountNo)
	if area.Class != "" {
		wo.AreaClass = area.Class
	}
	if wo.AreaClass == "" {
		wo.AreaClass = gridline.AreaUrban
	}
	if wo.Type == gridline.WorkOrderApplication && wo.Supply == "" {
		wo.Supply = gridline.SupplyResidential
	}
	if actor.User != nil {
		wo.OwnerID, wo.HandlerID = actor.User.ID, actor.User.ID
	}
	if in.ConversationID != "" && s.Conversations != nil {
		if conv, err := s.Conversations.Conversation(ctx, in.ConversationID); err == nil {
			if conv.OwnerID != "" {
				wo.OwnerID = conv.OwnerID
			}
			if wo.HandlerID == "" {
				wo.HandlerID = conv.HandlerID
			}
			if wo.CustomerID == "" {
				wo.CustomerID = conv.CustomerID
			}
		}
	}
	tp := p.For(wo.Type, wo.Subtype)
	startClocks(cal, tp, wo, FromAccepted, now)
	paid := in.PaidAt.UTC().Truncate(time.Microsecond)
	if paid.IsZero() || paid.After(now) {
		paid = now
	}
	startClocks(cal, tp, wo, FromPayment, paid)

	entries := []gridline.TimelineEntry{{At: now, By: actor.id(), Action: ActionCreate, Status: wo.Status, Note: in.Note}}
	if wo.Type == gridline.WorkOrderRepair && !p.Incident.Disabled {
		wo.IncidentKey = IncidentKey(area.Zone, wo.Address, p.Incident.prefix())
		if wo.IncidentKey != "" {
			master, err := s.Store.IncidentMaster(ctx, wo.IncidentKey, now.Add(-p.Incident.window()))
			switch {
			case err == nil:
				wo.MasterID = master.ID
				entries = append(entries, gridline.TimelineEntry{At: now, By: "system", Action: ActionMerge,
					Status: wo.Status, Note: "same area as " + master.Number + " within the incident window"})
			case gridline.ErrorCode(err) != gridline.ENOTFOUND:
				return nil, err
			}
		}
	}
	day := now.In(cal.Location()).Format("20060102")
	n, err := s.Store.NextWorkOrderSeq(ctx, day)
	if err != nil {
		return nil, err
	}
	wo.Number = gridline.WorkOrderNumber(day, n)
	wo.Timeline = entries
	if err := s.Store.CreateWorkOrder(ctx, wo); err != nil {
		return nil, err
	}
	s.publish(ctx, wo, gridline.WorkOrderNotice{Kind: gridline.NoticeChanged, Action: ActionCreate, MasterID: wo.MasterID})
	if wo.OwnerID == "" && wo.ConversationID != "" && s.Conversations != nil {
		// An agent may have claimed the chat since it was read above, and listed
		// its orders before this one was stored: read the owner again (see Adopt).
		if conv, err := s.Conversations.Conversation(ctx, wo.ConversationID); err == nil && conv.OwnerID != "" {
			wo, _ = s.adopt(ctx, conv, wo)
		}
	}
	return wo, nil
}

func (s *Service) area(ctx context.Context, customerID, accountNo string) Area {
	if s.Archive == nil || (customerID == "" && accountNo == "") {
		return Area{}
	}
	a, err := s.Archive.Area(ctx, customerID, accountNo)
	if err != nil {
		if gridline.ErrorCode(err) != gridline.ENOTFOUND {
			s.logger().Warn("workorder: archive area", "err", err)
		}
		return Area{}
	}
	if !slices.Contains(areaClasses, a.Class) {
		a.Class = ""
	}
	return a
}

func (ip IncidentPolicy) window() time.Duration {
	if ip.WindowMinutes > 0 {
		return time.Duration(ip.WindowMinutes) * time.Minute
	}
	return 2 * time.Hour
}

func (ip IncidentPolicy) prefix() int {
	if ip.AddressPrefix > 0 {
		return ip.AddressPrefix
	}
	return 12
}

// IncidentKey is what repair reports of one incident share: the transformer
// area when the archive knows it, else the first prefix letters and digits of
// the address (spaces, punctuation and case ignored). An address shorter than
// prefix is too vague to group by: "".
func IncidentKey(zone, address string, prefix int) string {
	if zone != "" {
		return "zone:" + zone
	}
	var b []rune
	for _, r := range strings.ToLower(address) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = append(b, r)
		}
	}
	if len(b) < prefix || prefix <= 0 {
		return ""
	}
	return "addr:" + string(b[:prefix])
}

// Get returns an order the actor may see: staff under MaySeeWorkOrder, a
// customer their own. Anything else is ENOTFOUND, as if it did not exist.
func (s *Service) Get(ctx context.Context, actor Actor, id string) (*gridline.WorkOrder, error) {
	notFound := gridline.Errorf(gridline.ENOTFOUND, "work order %q not found", id)
	if id == "" || len(id) > 64 {
		return nil, notFound
	}
	wo, err := s.Store.WorkOrder(ctx, id)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, notFound
		}
		return nil, err
	}
	if !mayRead(actor, wo) {
		return nil, notFound
	}
	return wo, nil
}

func mayRead(actor Actor, wo *gridline.WorkOrder) bool {
	switch {
	case actor.System:
		return true
	case actor.User != nil:
		return gridline.MaySeeWorkOrder(actor.User, wo)
	}
	return actor.CustomerID != "" && actor.CustomerID == wo.CustomerID
}

// List returns the orders matching f that u may see: an agent's list is limited
// to what they own or handle and the unowned open pool (MaySeeWorkOrder). In a
// list phones are masked (138****1234) unless u's role sees personal data
// (gridline.SeesPersonalData), as the archive shows them; the order's own page
// (Get) carries the number for whoever may see the order.
func (s *Service) List(ctx context.Context, u *gridline.User, f gridline.WorkOrderFilter) ([]*gridline.WorkOrder, error) {
	if u == nil {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "log in first")
	}
	if !gridline.SeesAllConversations(u) {
		f.VisibleTo = u.ID
	}
	wos, err := s.Store.ListWorkOrders(ctx, f)
	if err != nil || gridline.SeesPersonalData(u.Role) {
		return wos, err
	}
	for _, wo := range wos {
		wo.Phone = archive.MaskPhone(wo.Phone)
	}
	return wos, nil
}

// CustomerOrders is a customer's orders as they may see them, newest first:
// the open ones — what "my requests" is for, and closed orders would crowd
// them out of the limit — or with all every one, closed included.
func (s *Service) CustomerOrders(ctx context.Context, customerID string, all bool, limit int) ([]gridline.WorkOrderPublic, error) {
	if customerID == "" {
		return []gridline.WorkOrderPublic{}, nil
	}
	wos, err := s.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{CustomerID: customerID, Open: !all, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]gridline.WorkOrderPublic, 0, len(wos))
	for _, wo := range wos {
		out = append(out, wo.Public())
	}
	return out, nil
}

// cascaded are the master's actions its children follow.
var cascaded = []string{ActionDispatch, ActionArrive, ActionHandle, ActionClose}

// Act takes an action on the order id as actor. version, when not zero, is the
// version the caller saw: a change since is ECONFLICT. Two callers acting at
// once: one wins, the other gets ECONFLICT. Returns ENOTFOUND for an order the
// actor may not see, and the errors of Apply.
func (s *Service) Act(ctx context.Context, actor Actor, id string, a Action, version int64) (*gridline.WorkOrder, error) {
	if a.Cascade {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "only an incident's master passes changes on")
	}
	wo, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != wo.Version {
		return nil, gridline.Errorf(gridline.ECONFLICT, "work order %s changed since you loaded it; it is %s now", wo.Number, wo.Status)
	}
	if a.Name == ActionMerge {
		if err := s.checkMerge(ctx, actor, wo, a.MasterID); err != nil {
			return nil, err
		}
	}
	p, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	seen, formerMaster := wo.Version, wo.MasterID
	entry, err := Apply(p, cal, wo, actor, a, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateWorkOrder(ctx, wo, seen, entry); err != nil {
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			return nil, gridline.Errorf(gridline.ECONFLICT, "work order %s was changed by someone else just now; reload it", wo.Number)
		}
		return nil, err
	}
	kind := gridline.NoticeChanged
	if a.Name == ActionRemind {
		kind = gridline.NoticeReminder
		s.reminders.Add(1)
	}
	master := wo.MasterID
	if a.Name == ActionSplit {
		master = formerMaster // the incident it left, whose page lists it no more
	}
	s.publish(ctx, wo, gridline.WorkOrderNotice{Kind: kind, Action: a.Name, MasterID: master})
	if slices.Contains(cascaded, a.Name) && wo.MasterID == "" {
		s.cascade(ctx, p, cal, wo, a)
	}
	return wo, nil
}

// checkMerge admits a merge of wo under master: an open order the actor may
// see, not itself in an incident, while wo heads no incident of its own.
func (s *Service) checkMerge(ctx context.Context, actor Actor, wo *gridline.WorkOrder, masterID string) error {
	if masterID == "" || masterID == wo.ID {
		return invalid("master_id", "is required and must be another order")
	}
	master, err := s.Get(ctx, actor, masterID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return invalid("master_id", "is not an order you may see")
		}
		return err
	}
	if !master.Open() || master.MasterID != "" {
		return gridline.Errorf(gridline.ECONFLICT, "work order %s cannot be a master: it is closed or in an incident itself", master.Number)
	}
	children, err := s.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{MasterID: wo.ID, Limit: 1})
	if err != nil {
		return err
	}
	if len(children) > 0 {
		return gridline.Errorf(gridline.ECONFLICT, "work order %s heads an incident; split its reports first", wo.Number)
	}
	return nil
}

// cascade passes the master's action to each open child, so that every
// reporter's conversation hears of it and their promises are kept together. A
// child changed meanwhile is retried once; a failure is logged, not returned:
// the master's change stands.
func (s *Service) cascade(ctx context.Context, p *Policy, cal *Calendar, master *gridline.WorkOrder, a Action) {
	children, err := s.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{MasterID: master.ID, Open: true, Limit: 10000})
	if err != nil {
		s.logger().Error("workorder: incident children", "master", master.Number, "err", err)
		return
	}
	child := Action{Name: a.Name, Cascade: true, FollowUp: master.FollowUp, HandlerID: a.HandlerID, Department: a.Department,
		Note: "with incident " + master.Number + ": " + a.Note}
	for _, c := range children {
		for try := 0; try < 2; try++ {
			if try > 0 {
				if c, err = s.Store.WorkOrder(ctx, c.ID); err != nil {
					break
				}
			}
			seen := c.Version
			var entry gridline.TimelineEntry
			if entry, err = Apply(p, cal, c, Actor{System: true}, child, s.now()); err != nil {
				break
			}
			if err = s.Store.UpdateWorkOrder(ctx, c, seen, entry); gridline.ErrorCode(err) != gridline.ECONFLICT {
				break
			}
		}
		if err != nil {
			s.logger().Warn("workorder: pass master's change to child", "master", master.Number, "child", c.Number, "err", err)
			continue
		}
		s.publish(ctx, c, gridline.WorkOrderNotice{Kind: gridline.NoticeChanged, Action: a.Name, MasterID: master.ID})
	}
}

// publish tells the order's conversation (the customer), its owner and handler,
// and every console watching TopicAgents — and the customer's current
// conversation too when it is another: the notice follows the customer, who
// comes back days later in a new chat, or whose order staff opened from a
// walk-in or a letter, with no chat at all. Delivery is best effort: consoles
// reload from the store, the widget its "my requests".
func (s *Service) publish(ctx context.Context, wo *gridline.WorkOrder, n gridline.WorkOrderNotice) {
	n.Order = wo.Public()
	s.send(ctx, wo.ConversationID, wo.OwnerID, wo.HandlerID, n)
	if cur := s.currentConversation(ctx, wo.CustomerID); cur != "" && cur != wo.ConversationID && s.Board != nil {
		if err := s.Board.Publish(ctx, gridline.ConversationTopic(cur), gridline.NewEvent(gridline.EventWorkOrder, cur, n)); err != nil {
			s.logger().Warn("workorder: publish", "conversation", cur, "err", err)
		}
	}
}

// currentConversation is the customer's newest conversation if it is still
// open (with the bot, waiting or with an agent), else "": a customer who
// closed the chat is not in one, and an older open chat is one they left.
func (s *Service) currentConversation(ctx context.Context, customerID string) string {
	if customerID == "" || s.Conversations == nil || s.Board == nil {
		return ""
	}
	convs, err := s.Conversations.ListConversations(ctx, gridline.ConversationFilter{CustomerID: customerID, Limit: 1})
	if err != nil {
		s.logger().Warn("workorder: the customer's conversation", "err", err)
		return ""
	}
	if len(convs) == 0 || convs[0].Status == gridline.StatusResolved {
		return ""
	}
	return convs[0].ID
}

func (s *Service) send(ctx context.Context, convID, ownerID, handlerID string, n gridline.WorkOrderNotice) {
	if s.Board == nil {
		return
	}
	ev := gridline.NewEvent(gridline.EventWorkOrder, convID, n)
	topics := []string{gridline.TopicAgents}
	if convID != "" && n.Kind != gridline.NoticeWarning && n.Kind != gridline.NoticeBreach {
		topics = append(topics, gridline.ConversationTopic(convID))
	}
	if ownerID != "" {
		topics = append(topics, gridline.AgentTopic(ownerID))
	}
	if handlerID != "" && handlerID != ownerID {
		topics = append(topics, gridline.AgentTopic(handlerID))
	}
	for _, t := range topics {
		if err := s.Board.Publish(ctx, t, ev); err != nil {
			s.logger().Warn("workorder: publish", "topic", t, "err", err)
		}
	}
}

func invalid(field, msg string) error {
	return &gridline.Error{Code: gridline.EINVALID, Message: "the work order is invalid", Fields: map[string]string{field: msg}}
}

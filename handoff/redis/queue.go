package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// Key layout under the prefix p:
//
//	p q:<skill>             sorted set: conversation ids by score (see score)
//	p own:<agent>:<skill>   sorted set: the same ids again for tickets that agent owns
//	p tickets               hash: conversation id -> ticket JSON
//	p load                  hash: agent id -> number of chats
//
// The owner index lets a claim find "the agent's best own ticket" with one
// ZRANGE instead of scanning the queue.

// bandWidth separates priorities in a score: a score is
// (MaxPriority+1-priority)*bandWidth + enqueue time in Unix milliseconds, so
// ascending score is serving order and floor(score/bandWidth) is the priority
// band. The largest score, about 2e15, is an integer a float64 holds exactly.
const bandWidth = 1e13

// score packs a ticket's priority and enqueue time into a sorted-set score.
func score(t handoff.Ticket) int64 {
	ms := t.EnqueuedAt.UnixMilli()
	ms = max(0, min(ms, bandWidth-1))
	return int64(handoff.MaxPriority+1-t.Priority)*bandWidth + ms
}

// ClaimScript is the Lua source of Queue.Claim, exported so that a benchmark can
// SCRIPT LOAD the very same text and drive it with redis-benchmark's EVALSHA.
// No KEYS; ARGV: prefix, agent id, capacity, skill, skill, … It returns
// {0, ticket JSON} for a claim, {1} when nothing is waiting in those skills, {2}
// when the agent's load has reached the capacity, {3} when it dropped an index
// entry whose ticket was gone and the caller should try again. Within one script run Redis
// serves no other client, so the check, the pick, the removal from every index
// and the load increment happen as one step.
const ClaimScript = `
local p, agent, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
local load = tonumber(redis.call('HGET', p .. 'load', agent) or '0')
if load >= cap then return {2} end
local best, bestBand, bestOwned, bestScore
for i = 4, #ARGV do
  local skill = ARGV[i]
  local keys = {p .. 'own:' .. agent .. ':' .. skill, p .. 'q:' .. skill}
  for k = 1, 2 do
    local top = redis.call('ZRANGE', keys[k], 0, 0, 'WITHSCORES')
    if top[1] then
      local owned = k == 1
      local s = tonumber(top[2])
      local band = math.floor(s / 1e13)
      local better = best == nil or band < bestBand
      if not better and band == bestBand then
        if owned ~= bestOwned then
          better = owned
        elseif s ~= bestScore then
          better = s < bestScore
        else
          better = top[1] < best
        end
      end
      if better then
        best, bestBand, bestOwned, bestScore = top[1], band, owned, s
      end
    end
  end
end
if best == nil then return {1} end
local tj = redis.call('HGET', p .. 'tickets', best)
if not tj then
  -- An index entry without its ticket (only an evicting maxmemory policy makes
  -- one): drop it so that the next attempt sees the queue behind it.
  for i = 4, #ARGV do
    redis.call('ZREM', p .. 'q:' .. ARGV[i], best)
    redis.call('ZREM', p .. 'own:' .. agent .. ':' .. ARGV[i], best)
  end
  return {3}
end
local t = cjson.decode(tj)
redis.call('ZREM', p .. 'q:' .. t.skill, best)
if type(t.owner_id) == 'string' and t.owner_id ~= '' then
  redis.call('ZREM', p .. 'own:' .. t.owner_id .. ':' .. t.skill, best)
end
redis.call('HDEL', p .. 'tickets', best)
redis.call('HINCRBY', p .. 'load', agent, 1)
return {0, tj}
`

// claimConversationScript is ClaimConversation: ARGV prefix, agent, capacity,
// conversation id; the same replies as ClaimScript.
const claimConversationScript = `
local p, agent, cap, id = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local load = tonumber(redis.call('HGET', p .. 'load', agent) or '0')
if load >= cap then return {2} end
local tj = redis.call('HGET', p .. 'tickets', id)
if not tj then return {1} end
local t = cjson.decode(tj)
redis.call('ZREM', p .. 'q:' .. t.skill, id)
if type(t.owner_id) == 'string' and t.owner_id ~= '' then
  redis.call('ZREM', p .. 'own:' .. t.owner_id .. ':' .. t.skill, id)
end
redis.call('HDEL', p .. 'tickets', id)
redis.call('HINCRBY', p .. 'load', agent, 1)
return {0, tj}
`

// enqueueScript replaces any queued ticket of the conversation and adds the new
// one: ARGV prefix, id, skill, owner, score, ticket JSON.
const enqueueScript = `
local p, id = ARGV[1], ARGV[2]
local old = redis.call('HGET', p .. 'tickets', id)
if old then
  local t = cjson.decode(old)
  redis.call('ZREM', p .. 'q:' .. t.skill, id)
  if type(t.owner_id) == 'string' and t.owner_id ~= '' then
    redis.call('ZREM', p .. 'own:' .. t.owner_id .. ':' .. t.skill, id)
  end
end
redis.call('ZADD', p .. 'q:' .. ARGV[3], ARGV[5], id)
if ARGV[4] ~= '' then
  redis.call('ZADD', p .. 'own:' .. ARGV[4] .. ':' .. ARGV[3], ARGV[5], id)
end
redis.call('HSET', p .. 'tickets', id, ARGV[6])
return 1
`

// removeScript takes a conversation out of every index: ARGV prefix, id.
const removeScript = `
local p, id = ARGV[1], ARGV[2]
local old = redis.call('HGET', p .. 'tickets', id)
if not old then return 0 end
local t = cjson.decode(old)
redis.call('ZREM', p .. 'q:' .. t.skill, id)
if type(t.owner_id) == 'string' and t.owner_id ~= '' then
  redis.call('ZREM', p .. 'own:' .. t.owner_id .. ':' .. t.skill, id)
end
redis.call('HDEL', p .. 'tickets', id)
return 1
`

// positionScript returns the 1-based rank in the conversation's skill queue, or
// 0 when it is not queued: ARGV prefix, id.
const positionScript = `
local p, id = ARGV[1], ARGV[2]
local tj = redis.call('HGET', p .. 'tickets', id)
if not tj then return 0 end
local t = cjson.decode(tj)
local r = redis.call('ZRANK', p .. 'q:' .. t.skill, id)
if not r then return 0 end
return r + 1
`

// releaseScript takes one from an agent's load without going below zero:
// ARGV prefix, agent.
const releaseScript = `
local n = redis.call('HINCRBY', ARGV[1] .. 'load', ARGV[2], -1)
if n <= 0 then
  redis.call('HDEL', ARGV[1] .. 'load', ARGV[2])
  return 0
end
return n
`

// Queue keeps the skill queues and agents' loads in Redis, shared by every
// replica. Claims run as one Lua script each, so no ticket reaches two agents and
// no agent passes their capacity however many replicas claim at once.
type Queue struct {
	client *goredis.Client
	prefix string

	claim, claimConversation, enqueue, remove, position, release *goredis.Script
}

var _ handoff.Queue = (*Queue)(nil)

// NewQueue returns a queue whose keys start with prefix (DefaultPrefix when "").
// Replicas that share work must share the prefix.
func NewQueue(client *goredis.Client, prefix string) *Queue {
	return &Queue{
		client:            client,
		prefix:            prefixOr(prefix),
		claim:             goredis.NewScript(ClaimScript),
		claimConversation: goredis.NewScript(claimConversationScript),
		enqueue:           goredis.NewScript(enqueueScript),
		remove:            goredis.NewScript(removeScript),
		position:          goredis.NewScript(positionScript),
		release:           goredis.NewScript(releaseScript),
	}
}

// Enqueue adds t, or moves it when the conversation is already queued.
func (q *Queue) Enqueue(ctx context.Context, t handoff.Ticket) error {
	if err := handoff.ValidTicket(t); err != nil {
		return err
	}
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redis: enqueue: %w", err)
	}
	err = q.enqueue.Run(ctx, q.client, nil, q.prefix, t.ConversationID, t.Skill, t.OwnerID, score(t), data).Err()
	if err != nil {
		return fmt.Errorf("redis: enqueue: %w", err)
	}
	return nil
}

// EnqueueAll enqueues many tickets in pipelined batches, each ticket as its own
// atomic Enqueue: the desk's recovery after a restart, and benchmarks' fill.
func (q *Queue) EnqueueAll(ctx context.Context, ts []handoff.Ticket) error {
	for _, t := range ts {
		if err := handoff.ValidTicket(t); err != nil {
			return err
		}
	}
	if err := q.enqueue.Load(ctx, q.client).Err(); err != nil {
		return fmt.Errorf("redis: enqueue all: %w", err)
	}
	for chunk := range slices.Chunk(ts, 1000) {
		_, err := q.client.Pipelined(ctx, func(pipe goredis.Pipeliner) error {
			for _, t := range chunk {
				data, err := json.Marshal(t)
				if err != nil {
					return err
				}
				q.enqueue.EvalSha(ctx, pipe, nil, q.prefix, t.ConversationID, t.Skill, t.OwnerID, score(t), data)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis: enqueue all: %w", err)
		}
	}
	return nil
}

// Remove takes the conversation out of its queue, if it is queued.
func (q *Queue) Remove(ctx context.Context, conversationID string) error {
	if err := q.remove.Run(ctx, q.client, nil, q.prefix, conversationID).Err(); err != nil {
		return fmt.Errorf("redis: remove: %w", err)
	}
	return nil
}

// Position returns the 1-based place of the conversation in its skill's queue.
func (q *Queue) Position(ctx context.Context, conversationID string) (int, error) {
	n, err := q.position.Run(ctx, q.client, nil, q.prefix, conversationID).Int()
	if err != nil {
		return 0, fmt.Errorf("redis: position: %w", err)
	}
	if n == 0 {
		return 0, gridline.Errorf(gridline.ENOTFOUND, "conversation %s is not queued", conversationID)
	}
	return n, nil
}

// List returns the tickets of one skill, or of all skills, in serving order. It
// reads ids then tickets in two commands; a ticket claimed in between is left out.
func (q *Queue) List(ctx context.Context, skill string) ([]handoff.Ticket, error) {
	if skill == "" {
		all, err := q.client.HVals(ctx, q.prefix+"tickets").Result()
		if err != nil {
			return nil, fmt.Errorf("redis: list: %w", err)
		}
		out := make([]handoff.Ticket, 0, len(all))
		for _, s := range all {
			var t handoff.Ticket
			if err := json.Unmarshal([]byte(s), &t); err != nil {
				return nil, fmt.Errorf("redis: list: %w", err)
			}
			out = append(out, t)
		}
		slices.SortFunc(out, handoff.CompareServing)
		return out, nil
	}
	ids, err := q.client.ZRange(ctx, q.prefix+"q:"+skill, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: list: %w", err)
	}
	out := make([]handoff.Ticket, 0, len(ids))
	for chunk := range slices.Chunk(ids, 1000) {
		vals, err := q.client.HMGet(ctx, q.prefix+"tickets", chunk...).Result()
		if err != nil {
			return nil, fmt.Errorf("redis: list: %w", err)
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue // claimed since ZRANGE
			}
			var t handoff.Ticket
			if err := json.Unmarshal([]byte(s), &t); err != nil {
				return nil, fmt.Errorf("redis: list: %w", err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// Claim runs ClaimScript: the best ticket across skills for agentID.
func (q *Queue) Claim(ctx context.Context, agentID string, skills []string, capacity int) (*handoff.Ticket, error) {
	args := make([]any, 0, 3+len(skills))
	args = append(args, q.prefix, agentID, capacity)
	for _, s := range skills {
		args = append(args, s)
	}
	for attempt := 0; ; attempt++ {
		res, err := q.claim.Run(ctx, q.client, nil, args...).Slice()
		if err == nil && len(res) > 0 && res[0] == int64(3) && attempt < 10 {
			continue
		}
		return claimed(res, err, agentID, capacity, "no conversation is waiting for %v", skills)
	}
}

// ClaimConversation takes one named conversation for agentID.
func (q *Queue) ClaimConversation(ctx context.Context, agentID, conversationID string, capacity int) (*handoff.Ticket, error) {
	res, err := q.claimConversation.Run(ctx, q.client, nil, q.prefix, agentID, capacity, conversationID).Slice()
	return claimed(res, err, agentID, capacity, "conversation %s is not queued", conversationID)
}

// claimed decodes a claim script's reply.
func claimed(res []any, err error, agentID string, capacity int, notFound string, arg any) (*handoff.Ticket, error) {
	if err != nil {
		return nil, fmt.Errorf("redis: claim: %w", err)
	}
	if len(res) == 0 {
		return nil, errors.New("redis: claim: empty reply")
	}
	switch code, _ := res[0].(int64); code {
	case 1:
		return nil, gridline.Errorf(gridline.ENOTFOUND, notFound, arg)
	case 2:
		return nil, gridline.Errorf(gridline.ECONFLICT, "agent %s is at capacity %d", agentID, capacity)
	case 0:
		s, _ := res[1].(string)
		var t handoff.Ticket
		if err := json.Unmarshal([]byte(s), &t); err != nil {
			return nil, fmt.Errorf("redis: claim: %w", err)
		}
		return &t, nil
	default:
		return nil, fmt.Errorf("redis: claim: unexpected reply %v", res)
	}
}

// Release takes one from the agent's load, never below zero.
func (q *Queue) Release(ctx context.Context, agentID string) error {
	if err := q.release.Run(ctx, q.client, nil, q.prefix, agentID).Err(); err != nil {
		return fmt.Errorf("redis: release: %w", err)
	}
	return nil
}

// AddLoad adds one to the agent's load.
func (q *Queue) AddLoad(ctx context.Context, agentID string) error {
	if err := q.client.HIncrBy(ctx, q.prefix+"load", agentID, 1).Err(); err != nil {
		return fmt.Errorf("redis: add load: %w", err)
	}
	return nil
}

// Load returns the agent's number of chats.
func (q *Queue) Load(ctx context.Context, agentID string) (int, error) {
	s, err := q.client.HGet(ctx, q.prefix+"load", agentID).Result()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("redis: load: %w", err)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("redis: load: %w", err)
	}
	return n, nil
}

// SetLoad sets the agent's load; zero or less deletes the counter.
func (q *Queue) SetLoad(ctx context.Context, agentID string, n int) error {
	var err error
	if n <= 0 {
		err = q.client.HDel(ctx, q.prefix+"load", agentID).Err()
	} else {
		err = q.client.HSet(ctx, q.prefix+"load", agentID, n).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: set load: %w", err)
	}
	return nil
}

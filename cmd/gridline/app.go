package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/bot/llm"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/memory"
	hredis "github.com/gridline/gridline/handoff/redis"
	"github.com/gridline/gridline/hotline"
	"github.com/gridline/gridline/insight"
	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/knowledge/starter"
	"github.com/gridline/gridline/server"
	"github.com/gridline/gridline/store"
	webwidget "github.com/gridline/gridline/web-widget"
	"github.com/gridline/gridline/workorder"
)

// App is one running Gridline: every part wired, listening once started.
type App struct {
	Config    Config
	Logger    *slog.Logger
	Store     *store.DB
	Board     gridline.Switchboard
	Queue     handoff.Queue
	Presence  handoff.Presence
	Knowledge *knowledge.Service
	Desk      *handoff.Desk
	Bot       *bot.Bot
	// Conversations is the conversation policy the server's chats go through.
	Conversations *conversation.Service
	Server        *server.Server
	// WorkOrders runs work orders and sweeps their deadlines on every replica.
	WorkOrders *workorder.Service
	// Hotline is the telephone channel's IVR behind /voice/….
	Hotline *hotline.Hotline
	// Insight records ratings and feedback and computes the figures.
	Insight *insight.Service

	redis  *goredis.Client
	lease  conversation.Lease // bot turns: one replica at a time per conversation
	ln     net.Listener
	cancel context.CancelFunc
	loops  sync.WaitGroup
	served chan error
}

// openStore opens the configured database and applies migrations.
func openStore(ctx context.Context, url string) (*store.DB, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// NewApp wires the implementations the configuration asks for.
func NewApp(ctx context.Context, cfg Config, logger *slog.Logger) (a *App, err error) {
	a = &App{Config: cfg, Logger: logger}
	defer func() {
		if err != nil {
			a.closeResources()
		}
	}()
	if a.Store, err = openStore(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if cfg.RedisURL != "" {
		if a.redis, err = hredis.Open(cfg.RedisURL); err != nil {
			return nil, err
		}
		if err := a.redis.Ping(ctx).Err(); err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		a.Board = hredis.NewPrefixedSwitchboard(a.redis, cfg.RedisPrefix, gridline.NewID())
		a.Queue = hredis.NewQueue(a.redis, cfg.RedisPrefix)
		a.Presence = hredis.NewPresence(a.redis, cfg.RedisPrefix)
		a.lease = hredis.NewLease(a.redis, cfg.RedisPrefix)
	} else {
		a.Board = memory.NewSwitchboard()
		a.Queue = memory.NewQueue()
		a.Presence = memory.NewPresence(nil)
		a.lease = conversation.NewMemoryLease(nil)
	}

	secret, err := loadSecret(ctx, a.Store, cfg.Secret)
	if err != nil {
		return nil, err
	}
	if err := bootstrapAdmin(ctx, a.Store, cfg.AdminEmail, cfg.AdminPassword, logger); err != nil {
		return nil, err
	}

	var model *llm.Client
	if cfg.LLMModel != "" && cfg.LLMBaseURL != "" {
		model = llm.New(llm.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel,
			EmbeddingModel: cfg.LLMEmbedModel, Timeout: cfg.LLMTimeout})
	}
	a.Knowledge = &knowledge.Service{Store: a.Store, Index: knowledge.NewIndex(), Board: a.Board, Logger: logger}
	if model != nil && cfg.LLMEmbedModel != "" {
		a.Knowledge.Vectors = &knowledge.Vectors{Embedder: model, Logger: logger}
	}
	if err := a.Knowledge.Load(ctx); err != nil {
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	if cfg.Seed {
		articles, err := starter.Articles()
		if err != nil {
			return nil, err
		}
		if seeded, err := a.Knowledge.SeedIfEmpty(ctx, articles); err != nil {
			return nil, fmt.Errorf("seed knowledge base: %w", err)
		} else if seeded {
			logger.Info("starter knowledge base loaded", "articles", len(articles))
		}
		syn, err := starter.Synonyms()
		if err != nil {
			return nil, err
		}
		if seeded, err := a.Knowledge.SeedSynonyms(ctx, syn); err != nil {
			return nil, fmt.Errorf("seed synonyms: %w", err)
		} else if seeded {
			logger.Info("starter synonyms loaded", "sets", len(syn.Sets))
		}
	}

	botCfg := bot.Config{Knowledge: a.Knowledge, Unanswered: a.Store, Logger: logger}
	if a.redis != nil {
		// Every replica reads the same flows: a customer may reconnect to any,
		// and a call's webhooks may land on any.
		botCfg.Flows = hredis.NewFlows(a.redis, cfg.RedisPrefix, 0)
	} else {
		botCfg.Flows = bot.NewMemoryFlows(0, 0, nil)
	}
	if model != nil {
		botCfg.LLM = model
	}
	a.Bot = bot.New(botCfg)
	a.Desk = &handoff.Desk{Store: a.Store, Queue: a.Queue, Presence: a.Presence, Board: a.Board, Logger: logger,
		Grace: cfg.AgentGrace, ReconnectGrace: cfg.ReconnectGrace, AssignEvery: cfg.AssignEvery}
	if cfg.RedisURL == "" {
		// The in-process queue starts empty: rebuild it and agents' loads from the
		// store. With Redis the queue outlives restarts and other replicas may be
		// claiming right now, so it is left alone.
		if err := a.Desk.Recover(ctx); err != nil {
			return nil, fmt.Errorf("recover queues: %w", err)
		}
	}

	arch := newArchive(a.Store, cfg, logger)
	a.WorkOrders = &workorder.Service{Store: a.Store, Board: a.Board, Conversations: a.Store, Archive: orderAreas{arch}, Logger: logger,
		Now: cfg.Now, SweepEvery: cfg.SweepEvery}
	// The orders the bot opened in a chat become the first agent's who takes it.
	a.Desk.Taken = func(ctx context.Context, conv *gridline.Conversation) { a.WorkOrders.Adopt(ctx, conv) }
	a.Insight = &insight.Service{Store: a.Store, WorkOrders: a.WorkOrders, Now: cfg.Now, Logger: logger}
	a.Conversations = conversation.New(conversation.Config{Store: a.Store, Board: a.Board, Bot: a.Bot,
		Desk: a.Desk, Presence: a.Presence, Lease: a.lease, Archive: arch, WorkOrders: a.WorkOrders, Ratings: a.Insight, Logger: logger})
	// The hotline keeps its calls where the bot keeps its flows.
	a.Hotline = hotline.New(hotline.Config{Conversations: a.Conversations, Store: a.Store, Calls: botCfg.Flows,
		BaseURL: cfg.PublicURL, Logger: logger})
	a.Server = server.New(server.Config{WorkOrders: a.WorkOrders, Insight: a.Insight, Now: cfg.Now,
		Hotline: a.Hotline, VoiceAuthToken: cfg.VoiceAuthToken,
		Store: a.Store, Board: a.Board, Bot: a.Bot, Conversations: a.Conversations, Desk: a.Desk, Presence: a.Presence, Queue: a.Queue,
		Knowledge: a.Knowledge, Archive: arch, Secret: secret, AllowedOrigins: cfg.AllowedOrigins, Static: webwidget.Handler(), Logger: logger,
		FrameRate: cfg.FrameRate, FrameBurst: int(max(20, 4*cfg.FrameRate)),
		MetricsToken: cfg.MetricsToken, TrustedProxies: cfg.TrustedProxies, PublicURL: cfg.PublicURL,
	})
	return a, nil
}

// Start listens on the configured address and runs the background loops.
func (a *App) Start() error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	a.ln = ln
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	for name, loop := range map[string]func(context.Context) error{"knowledge": a.Knowledge.Run, "desk": a.Desk.Run,
		"workorders": a.WorkOrders.Run} {
		a.loops.Add(1)
		go func() {
			defer a.loops.Done()
			if err := loop(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.Logger.Error("background loop stopped", "loop", name, "err", err)
			}
		}()
	}
	a.served = make(chan error, 1)
	go func() { a.served <- a.Server.Serve(ln) }()
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// URL is the server's base URL, for tests and logs.
func (a *App) URL() string {
	addr := a.Addr()
	if strings.HasPrefix(addr, "[::]") || strings.HasPrefix(addr, "0.0.0.0") {
		_, port, _ := net.SplitHostPort(addr)
		addr = "127.0.0.1:" + port
	}
	return "http://" + addr
}

// Close shuts down gracefully: no new connections, sockets closed with 1001 after
// their queued frames, in-flight work finished, then the loops and connections.
func (a *App) Close(ctx context.Context) error {
	var err error
	if a.Server != nil && a.ln != nil {
		err = a.Server.Shutdown(ctx)
		if serr := <-a.served; serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.loops.Wait()
	if a.Conversations != nil {
		err = errors.Join(err, a.Conversations.Close())
	}
	return errors.Join(err, a.closeResources())
}

func (a *App) closeResources() error {
	var err error
	if a.Board != nil {
		err = errors.Join(err, a.Board.Close())
	}
	if a.redis != nil {
		err = errors.Join(err, a.redis.Close())
	}
	if a.Store != nil {
		err = errors.Join(err, a.Store.Close())
	}
	return err
}

// loadSecret returns the configured signing key, or the one kept in the store,
// generating and keeping one on first start so tokens survive restarts. Replicas
// starting together agree: only the first value written is kept.
func loadSecret(ctx context.Context, db *store.DB, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	v, err := db.InitSetting(ctx, "secret", gridline.NewID()+gridline.NewID())
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// bootstrapAdmin creates (or re-enables, with the given password) the admin named
// by GRIDLINE_ADMIN_EMAIL so that a fresh install can be administered.
func bootstrapAdmin(ctx context.Context, st gridline.Store, email, password string, logger *slog.Logger) error {
	if email == "" {
		return nil
	}
	hash, err := server.HashPassword(password)
	if err != nil {
		return err
	}
	u, err := st.UserByEmail(ctx, email)
	switch {
	case gridline.ErrorCode(err) == gridline.ENOTFOUND:
		u = &gridline.User{Email: email, Name: "Administrator", Role: gridline.RoleAdmin,
			Skills: append([]string(nil), gridline.Skills...), Capacity: 5, PasswordHash: hash}
		if err := st.CreateUser(ctx, u); err != nil && gridline.ErrorCode(err) != gridline.ECONFLICT {
			return err
		}
		logger.Info("admin created", "user", u.ID) // the id, not the address: logs hold no personal data
		return nil
	case err != nil:
		return err
	}
	if !server.CheckPassword(u.PasswordHash, password) || u.Disabled || u.Role != gridline.RoleAdmin {
		u.PasswordHash, u.Disabled, u.Role = hash, false, gridline.RoleAdmin
		return st.UpdateUser(ctx, u)
	}
	return nil
}

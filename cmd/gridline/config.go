package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline/handoff"
)

// Config is everything an operator may set, from GRIDLINE_* variables and the
// matching flags (a flag wins over its variable).
type Config struct {
	Addr        string
	DatabaseURL string
	RedisURL    string
	// RedisPrefix namespaces this deployment's Redis keys.
	RedisPrefix   string
	LLMBaseURL    string
	LLMAPIKey     string
	LLMModel      string
	LLMEmbedModel string
	LLMTimeout    time.Duration
	AdminEmail    string
	AdminPassword string
	Secret        string
	// IdentitySecret verifies host sites' signed customer identities.
	IdentitySecret string
	AllowedOrigins []string
	// Seed loads the starter knowledge base when the knowledge base is empty.
	Seed bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// FrameRate is how many frames per second one socket may send (bursts of 4x).
	FrameRate float64
	// AgentGrace is how long a vanished agent keeps their chats after their last
	// heartbeat; zero means handoff.DefaultGrace.
	AgentGrace time.Duration
	// ReconnectGrace is how long an agent whose console closed stays present, as
	// away, for a reload; zero means handoff.DefaultReconnectGrace.
	ReconnectGrace time.Duration
	// AssignEvery is the least time between two chats offered to one agent; zero
	// means handoff.DefaultAssignEvery, negative offers as fast as capacity allows.
	AssignEvery time.Duration
	// Now is the clock of work-order deadlines, their sweep and the API that
	// reads them; nil means time.Now. No variable or flag sets it: it is the
	// hook tests inject a clock through.
	Now func() time.Time
	// SweepEvery is how often the work-order deadline sweep runs; zero means
	// the service's default (30 s). Tests shorten it.
	SweepEvery time.Duration
}

// parseConfig reads the environment, then the flags of a subcommand.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, *flag.FlagSet, error) {
	return parseConfigWith(name, args, getenv, stderr, nil)
}

// parseConfigWith is parseConfig with extra flags that a subcommand defines.
func parseConfigWith(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	cfg := Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("GRIDLINE_ADDR", ":8080"), "listen address (GRIDLINE_ADDR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("GRIDLINE_DATABASE_URL", ""), "SQLite path or postgres:// URL; empty: ./data/gridline.db (GRIDLINE_DATABASE_URL)")
	fs.StringVar(&cfg.RedisURL, "redis-url", env("GRIDLINE_REDIS_URL", ""), "redis:// URL; empty: in-process queues (GRIDLINE_REDIS_URL)")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", env("GRIDLINE_REDIS_PREFIX", "gridline:"), "prefix of this deployment's Redis keys (GRIDLINE_REDIS_PREFIX)")
	fs.StringVar(&cfg.LLMBaseURL, "llm-base-url", env("GRIDLINE_LLM_BASE_URL", ""), "OpenAI-compatible API base URL (GRIDLINE_LLM_BASE_URL)")
	fs.StringVar(&cfg.LLMAPIKey, "llm-api-key", env("GRIDLINE_LLM_API_KEY", ""), "LLM API key (GRIDLINE_LLM_API_KEY)")
	fs.StringVar(&cfg.LLMModel, "llm-model", env("GRIDLINE_LLM_MODEL", ""), "chat model; empty: no LLM (GRIDLINE_LLM_MODEL)")
	fs.StringVar(&cfg.LLMEmbedModel, "llm-embedding-model", env("GRIDLINE_LLM_EMBEDDING_MODEL", ""), "embedding model for hybrid retrieval (GRIDLINE_LLM_EMBEDDING_MODEL)")
	fs.StringVar(&cfg.AdminEmail, "admin-email", env("GRIDLINE_ADMIN_EMAIL", ""), "bootstrap admin email (GRIDLINE_ADMIN_EMAIL)")
	fs.StringVar(&cfg.AdminPassword, "admin-password", env("GRIDLINE_ADMIN_PASSWORD", ""), "bootstrap admin password (GRIDLINE_ADMIN_PASSWORD)")
	fs.StringVar(&cfg.Secret, "secret", env("GRIDLINE_SECRET", ""), "token signing key; empty: generated and kept in the store (GRIDLINE_SECRET)")
	fs.StringVar(&cfg.IdentitySecret, "identity-secret", env("GRIDLINE_IDENTITY_SECRET", ""), "verifies host sites' signed customer identities; empty: none is accepted (GRIDLINE_IDENTITY_SECRET)")
	origins := fs.String("allowed-origins", env("GRIDLINE_ALLOWED_ORIGINS", ""), "comma-separated origins that may embed the widget (GRIDLINE_ALLOWED_ORIGINS)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("GRIDLINE_LOG_LEVEL", "info"), "debug, info, warn or error (GRIDLINE_LOG_LEVEL)")
	seed := fs.Bool("seed", envBool(getenv("GRIDLINE_SEED"), true), "load the starter knowledge base when it is empty (GRIDLINE_SEED)")
	llmTimeout := fs.Duration("llm-timeout", envDuration(getenv("GRIDLINE_LLM_TIMEOUT"), 8*time.Second), "overall LLM answer timeout (GRIDLINE_LLM_TIMEOUT)")
	fs.Float64Var(&cfg.FrameRate, "frame-rate", envFloat(getenv("GRIDLINE_FRAME_RATE"), 5), "frames per second one socket may send (GRIDLINE_FRAME_RATE)")
	fs.DurationVar(&cfg.AgentGrace, "agent-grace", envDuration(getenv("GRIDLINE_AGENT_GRACE"), handoff.DefaultGrace), "how long a vanished agent keeps their chats (GRIDLINE_AGENT_GRACE)")
	fs.DurationVar(&cfg.ReconnectGrace, "reconnect-grace", envDuration(getenv("GRIDLINE_RECONNECT_GRACE"), handoff.DefaultReconnectGrace), "how long an agent whose console closed stays present, offered nothing (GRIDLINE_RECONNECT_GRACE)")
	fs.DurationVar(&cfg.AssignEvery, "assign-every", envDuration(getenv("GRIDLINE_ASSIGN_EVERY"), handoff.DefaultAssignEvery), "least time between two chats offered to one agent; negative: no pacing (GRIDLINE_ASSIGN_EVERY)")
	shutdown := fs.Duration("shutdown-timeout", envDuration(getenv("GRIDLINE_SHUTDOWN_TIMEOUT"), 15*time.Second), "graceful shutdown limit (GRIDLINE_SHUTDOWN_TIMEOUT)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	cfg.Seed, cfg.LLMTimeout, cfg.ShutdownTimeout = *seed, *llmTimeout, *shutdown
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	if (cfg.AdminEmail == "") != (cfg.AdminPassword == "") {
		return cfg, fs, fmt.Errorf("GRIDLINE_ADMIN_EMAIL and GRIDLINE_ADMIN_PASSWORD go together")
	}
	return cfg, fs, nil
}

func envBool(v string, def bool) bool {
	if b, err := strconv.ParseBool(v); err == nil {
		return b
	}
	return def
}

func envDuration(v string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	return def
}

func envFloat(v string, def float64) float64 {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
		return f
	}
	return def
}

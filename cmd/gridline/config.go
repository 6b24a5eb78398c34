package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
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
	// VoiceAuthToken verifies the telephony provider's webhook signatures;
	// empty: the hotline's webhooks are not served.
	VoiceAuthToken string
	AllowedOrigins []string
	// Seed loads the starter knowledge base when the knowledge base is empty.
	Seed bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// FrameRate is how many frames per second one socket may send (bursts of 4x).
	FrameRate float64
	// MetricsToken is the bearer token /metrics asks for; empty: not served.
	MetricsToken string
	// TrustedProxies are the networks whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; empty: none, the peer is the client.
	TrustedProxies []*net.IPNet
	// PublicURL is where customers and staff reach the server; an https URL
	// makes the session cookie Secure.
	PublicURL string
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

// parseConfig reads the environment, then the server's flags.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, *flag.FlagSet, error) {
	env := envOr(getenv)
	cfg := Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("GRIDLINE_ADDR", ":8080"), "listen address (GRIDLINE_ADDR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("GRIDLINE_DATABASE_URL", ""), databaseURLUsage)
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
	fs.StringVar(&cfg.VoiceAuthToken, "voice-auth-token", env("GRIDLINE_VOICE_AUTH_TOKEN", ""), "the telephony provider's auth token, which signs its webhooks; empty: no hotline (GRIDLINE_VOICE_AUTH_TOKEN)")
	origins := fs.String("allowed-origins", env("GRIDLINE_ALLOWED_ORIGINS", ""), "comma-separated origins that may embed the widget (GRIDLINE_ALLOWED_ORIGINS)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("GRIDLINE_LOG_LEVEL", "info"), "debug, info, warn or error (GRIDLINE_LOG_LEVEL)")
	seed := fs.Bool("seed", envBool(getenv("GRIDLINE_SEED"), true), "load the starter knowledge base when it is empty (GRIDLINE_SEED)")
	llmTimeout := fs.Duration("llm-timeout", envDuration(getenv("GRIDLINE_LLM_TIMEOUT"), 8*time.Second), "overall LLM answer timeout (GRIDLINE_LLM_TIMEOUT)")
	fs.Float64Var(&cfg.FrameRate, "frame-rate", envFloat(getenv("GRIDLINE_FRAME_RATE"), 5), "frames per second one socket may send (GRIDLINE_FRAME_RATE)")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("GRIDLINE_METRICS_TOKEN", ""), "bearer token that reads /metrics; empty: /metrics not served (GRIDLINE_METRICS_TOKEN)")
	proxies := fs.String("trusted-proxies", env("GRIDLINE_TRUSTED_PROXIES", ""), "comma-separated CIDRs of proxies whose X-Forwarded-* headers are believed (GRIDLINE_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("GRIDLINE_PUBLIC_URL", ""), "URL customers and the telephony provider reach the server at (GRIDLINE_PUBLIC_URL)")
	fs.DurationVar(&cfg.AgentGrace, "agent-grace", envDuration(getenv("GRIDLINE_AGENT_GRACE"), handoff.DefaultGrace), "how long a vanished agent keeps their chats (GRIDLINE_AGENT_GRACE)")
	fs.DurationVar(&cfg.ReconnectGrace, "reconnect-grace", envDuration(getenv("GRIDLINE_RECONNECT_GRACE"), handoff.DefaultReconnectGrace), "how long an agent whose console closed stays present, offered nothing (GRIDLINE_RECONNECT_GRACE)")
	fs.DurationVar(&cfg.AssignEvery, "assign-every", envDuration(getenv("GRIDLINE_ASSIGN_EVERY"), handoff.DefaultAssignEvery), "least time between two chats offered to one agent; negative: no pacing (GRIDLINE_ASSIGN_EVERY)")
	shutdown := fs.Duration("shutdown-timeout", envDuration(getenv("GRIDLINE_SHUTDOWN_TIMEOUT"), 15*time.Second), "graceful shutdown limit (GRIDLINE_SHUTDOWN_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	cfg.Seed, cfg.LLMTimeout, cfg.ShutdownTimeout = *seed, *llmTimeout, *shutdown
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	var err error
	if cfg.TrustedProxies, err = parseCIDRs(*proxies); err != nil {
		return cfg, fs, err
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, fs, fmt.Errorf("GRIDLINE_PUBLIC_URL %q is not an http(s) URL", cfg.PublicURL)
		}
	}
	if (cfg.AdminEmail == "") != (cfg.AdminPassword == "") {
		return cfg, fs, fmt.Errorf("GRIDLINE_ADMIN_EMAIL and GRIDLINE_ADMIN_PASSWORD go together")
	}
	return cfg, fs, nil
}

// databaseURLUsage explains -database-url wherever a command takes it.
const databaseURLUsage = "SQLite path or postgres:// URL; empty: ./data/gridline.db (GRIDLINE_DATABASE_URL)"

// parseStoreFlags parses the flags of a command that only works on the store
// (migrate, user, kb): the database URL and the command's own flags, so that its
// -h lists what it reads and not the server's settings. usage heads the -h text.
func parseStoreFlags(name, usage string, args []string, getenv func(string) string, stderr io.Writer, own func(*flag.FlagSet)) (databaseURL string, fs *flag.FlagSet, err error) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&databaseURL, "database-url", envOr(getenv)("GRIDLINE_DATABASE_URL", ""), databaseURLUsage)
	if own != nil {
		own(fs)
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nflags:")
		fs.PrintDefaults()
	}
	err = fs.Parse(args)
	return databaseURL, fs, err
}

// envOr reads a variable, falling back to def when it is unset or empty.
func envOr(getenv func(string) string) func(key, def string) string {
	return func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
}

// parseCIDRs reads a comma-separated list of networks; a bare address is a
// network of one.
func parseCIDRs(list string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			ip, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("GRIDLINE_TRUSTED_PROXIES: %q is not an address or CIDR", item)
			}
			item = netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()).String()
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("GRIDLINE_TRUSTED_PROXIES: %q is not an address or CIDR", item)
		}
		nets = append(nets, n)
	}
	return nets, nil
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

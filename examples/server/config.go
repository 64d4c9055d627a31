package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/secret"
)

// Config is the server's configuration, read from the environment. Every
// secret may instead be read from a file named by the variable with a
// _FILE suffix (Docker and Kubernetes secrets).
type Config struct {
	Addr        string
	PublicURL   string
	DatabaseURL string
	// RedisURL, when set, carries realtime events between instances
	// through Redis pub/sub (it may hold a password: a secret).
	RedisURL secret.Value
	// KnowledgeDatabaseURL is the pgvector database of the knowledge base
	// (default DATABASE_URL; "memory" keeps it in memory).
	KnowledgeDatabaseURL string
	// Sandbox runs the in-process fake Graph API and AI with a seeded demo
	// workspace (default on in embedded mode).
	Sandbox bool
	// Seed seeds the sandbox's demo workspace (default on with Sandbox).
	Seed bool

	EncryptionSecret secret.Value
	// EncryptionKeyVersion is the vault key version that seals (versions
	// 1 to it open); raising it by one rotates the key, and the hourly
	// rewrap task moves every value to it.
	EncryptionKeyVersion uint32
	MetaAppID            string
	MetaAppSecret        secret.Value
	MetaVerifyToken      secret.Value
	RazorpayKeyID        string
	// Supplier is the platform operator on GST invoices (BOTSYNC_SUPPLIER_*;
	// sandbox values by default).
	Supplier              billing.Supplier
	RazorpayKeySecret     secret.Value
	RazorpayWebhookSecret secret.Value
	// RazorpayPlans maps a plan id of the catalog to its Razorpay plan
	// (RAZORPAY_PLAN_STARTER, RAZORPAY_PLAN_GROWTH).
	RazorpayPlans map[string]string
	OpenAIKey     secret.Value
	// OpenAIBaseURL points the provider at an OpenAI-compatible API
	// (OpenRouter, a proxy, a fake); AIModel and EmbeddingModel name the
	// models, EmbeddingDims the vector size (match the pgvector column).
	OpenAIBaseURL  string
	AIModel        string
	EmbeddingModel string
	EmbeddingDims  int

	// MaxBody caps request bodies (bytes).
	MaxBody int64
	// AuthRate and WebhookRate are requests per second per client address.
	AuthRate    float64
	WebhookRate float64
	// AdminNetworks are where super-admins may sign in from.
	AdminNetworks []netip.Prefix
	// IntakeLease is how long a claimed webhook job is left to its worker
	// before another instance takes it over (after a crash).
	IntakeLease time.Duration
	// FastPasswords lowers the bcrypt cost (tests only).
	FastPasswords bool
}

// LoadConfig reads the configuration through getenv and validates it. It
// never includes a secret's value in an error.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:                 or(getenv("ADDR"), "127.0.0.1:8080"),
		PublicURL:            strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		DatabaseURL:          getenv("DATABASE_URL"),
		KnowledgeDatabaseURL: getenv("KNOWLEDGE_DATABASE_URL"),
		MaxBody:              1 << 20,
		AuthRate:             5,
		WebhookRate:          2000,
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	var err error
	read := func(name string) secret.Value {
		if err != nil {
			return secret.Value{}
		}
		var v secret.Value
		v, err = secretFrom(getenv, name)
		return v
	}
	c.EncryptionSecret = read("BOTSYNC_ENCRYPTION_SECRET")
	c.MetaAppSecret = read("META_APP_SECRET")
	c.MetaVerifyToken = read("META_VERIFY_TOKEN")
	c.RazorpayKeySecret = read("RAZORPAY_KEY_SECRET")
	c.RazorpayWebhookSecret = read("RAZORPAY_WEBHOOK_SECRET")
	c.OpenAIKey = read("OPENAI_API_KEY")
	c.RedisURL = read("REDIS_URL")
	if err != nil {
		return Config{}, err
	}
	if !c.RedisURL.IsZero() {
		if _, err := redisOptions(c.RedisURL); err != nil {
			return Config{}, err
		}
	}
	c.RazorpayKeyID = getenv("RAZORPAY_KEY_ID")
	if c.Supplier, err = loadSupplier(getenv); err != nil {
		return Config{}, err
	}
	c.MetaAppID = getenv("META_APP_ID")
	c.RazorpayPlans = map[string]string{"starter": getenv("RAZORPAY_PLAN_STARTER"), "growth": getenv("RAZORPAY_PLAN_GROWTH")}
	c.OpenAIBaseURL = getenv("OPENAI_BASE_URL")
	c.AIModel = or(getenv("AI_MODEL"), "gpt-4o-mini")
	c.EmbeddingModel = or(getenv("EMBEDDING_MODEL"), "text-embedding-3-small")
	if v := getenv("EMBEDDING_DIMENSIONS"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 16000 {
			return Config{}, fmt.Errorf("config: EMBEDDING_DIMENSIONS: want an integer from 1 to 16000")
		}
		c.EmbeddingDims = n
	}
	c.Sandbox, err = boolEnv(getenv, "BOTSYNC_SANDBOX", c.DatabaseURL == "")
	if err != nil {
		return Config{}, err
	}
	// Seeding a persistent database would repeat at every start: only the
	// embedded sandbox seeds by default.
	if c.Seed, err = boolEnv(getenv, "BOTSYNC_SEED", c.Sandbox && c.DatabaseURL == ""); err != nil {
		return Config{}, err
	}
	c.FastPasswords = getenv("BOTSYNC_TEST_FAST_PASSWORDS") == "1"
	nets := or(getenv("ADMIN_NETWORKS"), "127.0.0.1/32,::1/128")
	for _, n := range strings.Split(nets, ",") {
		p, perr := netip.ParsePrefix(strings.TrimSpace(n))
		if perr != nil {
			return Config{}, fmt.Errorf("config: ADMIN_NETWORKS: want comma-separated CIDR prefixes")
		}
		c.AdminNetworks = append(c.AdminNetworks, p)
	}
	c.IntakeLease = time.Minute
	if v := getenv("INTAKE_LEASE"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < time.Second {
			return Config{}, fmt.Errorf("config: INTAKE_LEASE: want a duration of at least 1s")
		}
		c.IntakeLease = d
	}
	c.EncryptionKeyVersion = 1
	if v := getenv("BOTSYNC_ENCRYPTION_KEY_VERSION"); v != "" {
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil || n < 1 || n > 1000 {
			return Config{}, fmt.Errorf("config: BOTSYNC_ENCRYPTION_KEY_VERSION: want an integer from 1 to 1000")
		}
		c.EncryptionKeyVersion = uint32(n)
	}
	if v := getenv("MAX_BODY_BYTES"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 1024 {
			return Config{}, fmt.Errorf("config: MAX_BODY_BYTES: want an integer of at least 1024")
		}
		c.MaxBody = n
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, requireSupplier(getenv)
}

func (c Config) validate() error {
	if c.DatabaseURL == "" {
		return nil
	}
	// A persistent deployment must bring its own secrets.
	switch {
	case len(c.EncryptionSecret.Reveal()) < 32:
		return fmt.Errorf("config: BOTSYNC_ENCRYPTION_SECRET: required with DATABASE_URL, at least 32 bytes")
	case c.MetaAppSecret.IsZero() && !c.Sandbox:
		return fmt.Errorf("config: META_APP_SECRET: required with DATABASE_URL")
	case c.MetaVerifyToken.IsZero() && !c.Sandbox:
		return fmt.Errorf("config: META_VERIFY_TOKEN: required with DATABASE_URL")
	case c.RazorpayKeyID != "" && c.RazorpayKeySecret.IsZero():
		return fmt.Errorf("config: RAZORPAY_KEY_SECRET: required with RAZORPAY_KEY_ID")
	}
	return nil
}

// secretFrom reads NAME, or the file NAME_FILE names (trailing newline
// trimmed). Setting both is an error.
func secretFrom(getenv func(string) string, name string) (secret.Value, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return secret.Value{}, fmt.Errorf("config: %s and %s_FILE are both set; set one", name, name)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return secret.Value{}, fmt.Errorf("config: %s_FILE: cannot read the file", name)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return secret.Value{}, fmt.Errorf("config: %s_FILE: the file is empty", name)
		}
		return secret.New(s), nil
	}
	return secret.New(v), nil
}

func boolEnv(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("config: %s: want true or false", name)
	}
	return b, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

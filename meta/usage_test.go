package meta_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func TestParseUsage(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`)
	h.Set("X-Business-Use-Case-Usage", `{"112130216863063":[{"type":"pages","call_count":100,"total_cputime":45,"total_time":63,"estimated_time_to_regain_access":19}],
		"5550001":[{"type":"whatsapp_business_management","call_count":3,"total_cputime":1,"total_time":2,"estimated_time_to_regain_access":0}]}`)
	h.Set("X-Ad-Account-Usage", `{"acc_id_util_pct":9.67,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}`)
	u, err := meta.ParseUsage(h)
	require.NoError(t, err)
	assert.Equal(t, &meta.AppUsage{CallCount: 28, TotalTime: 25, TotalCPUTime: 25}, u.App)
	require.Len(t, u.BusinessUseCase["112130216863063"], 1)
	assert.Equal(t, meta.BusinessUseCaseUsage{Type: "pages", CallCount: 100, TotalCPUTime: 45, TotalTime: 63,
		EstimatedTimeToRegainAccess: 19 * time.Minute}, u.BusinessUseCase["112130216863063"][0])
	assert.Equal(t, &meta.AdAccountUsage{AccIDUtilPct: 9.67, AdsAPIAccessTier: "standard_access"}, u.AdAccount)
	assert.Equal(t, 100.0, u.MaxPercent())
	assert.Equal(t, 19*time.Minute, u.RegainAccess())
	assert.False(t, u.IsZero())

	empty, err := meta.ParseUsage(http.Header{})
	require.NoError(t, err)
	assert.True(t, empty.IsZero())
	assert.Zero(t, empty.MaxPercent())
	assert.Zero(t, empty.RegainAccess())
}

func TestParseUsageMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ header, value string }{
		{"X-App-Usage", `{"call_count":`},
		{"X-App-Usage", `"28"`},
		{"X-Business-Use-Case-Usage", `[]`},
		{"X-Business-Use-Case-Usage", `{"1":[{"estimated_time_to_regain_access":-5}]}`},
		{"X-Business-Use-Case-Usage", `{"1":[{"estimated_time_to_regain_access":1e300}]}`},
		{"X-Ad-Account-Usage", `{"acc_id_util_pct":"x"}`},
		{"X-Ad-Account-Usage", `{"acc_id_util_pct":100,"reset_time_duration":-1}`},
	}
	for _, tt := range tests {
		t.Run(tt.header+" "+tt.value, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			h.Set(tt.header, tt.value)
			h.Set("X-App-Usage-Other", "ignored")
			if tt.header != "X-App-Usage" {
				h.Set("X-App-Usage", `{"call_count":5}`)
			}
			u, err := meta.ParseUsage(h)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.header)
			if tt.header != "X-App-Usage" {
				require.NotNil(t, u.App, "the well-formed headers are still returned")
				assert.Equal(t, 5.0, u.App.CallCount)
			}
		})
	}
}

func TestUsageHeadersRoundTrip(t *testing.T) {
	t.Parallel()
	in := meta.Usage{
		App: &meta.AppUsage{CallCount: 50, TotalCPUTime: 10, TotalTime: 20},
		BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{
			"WABA": {{Type: "whatsapp_business_management", CallCount: 90, EstimatedTimeToRegainAccess: 4 * time.Minute}},
		},
		AdAccount: &meta.AdAccountUsage{AccIDUtilPct: 100, ResetTimeDuration: 30},
	}
	out, err := meta.ParseUsage(metatest.UsageHeaders(in))
	require.NoError(t, err)
	assert.Equal(t, in, out)
	assert.Equal(t, 4*time.Minute, out.RegainAccess())
}

func FuzzParseUsage(f *testing.F) {
	f.Add(`{"call_count":28,"total_time":25,"total_cputime":25}`,
		`{"1":[{"type":"pages","call_count":100,"total_cputime":45,"total_time":63,"estimated_time_to_regain_access":19}]}`,
		`{"acc_id_util_pct":9.67,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}`)
	f.Add(`{}`, `{"1":[]}`, `{}`)
	f.Add(`nope`, `{"1":[{"estimated_time_to_regain_access":"x"}]}`, `[`)
	f.Fuzz(func(t *testing.T, app, buc, ad string) {
		h := http.Header{}
		h.Set("X-App-Usage", app)
		h.Set("X-Business-Use-Case-Usage", buc)
		h.Set("X-Ad-Account-Usage", ad)
		u, _ := meta.ParseUsage(h)
		if u.RegainAccess() < 0 {
			t.Fatalf("negative regain time %v", u.RegainAccess())
		}
		_ = u.MaxPercent()
		g, err := meta.NewGovernor()
		if err != nil {
			t.Fatal(err)
		}
		g.Observe("k", u)
		if g.Delay("k") < 0 {
			t.Fatal("negative delay")
		}
	})
}

func newGovernor(t *testing.T, opts ...meta.GovernorOption) *meta.Governor {
	t.Helper()
	g, err := meta.NewGovernor(opts...)
	require.NoError(t, err)
	return g
}

func appUsage(pct float64) meta.Usage {
	return meta.Usage{App: &meta.AppUsage{CallCount: pct}}
}

func TestGovernorRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]meta.GovernorOption{
		"threshold":      meta.GovernorThreshold(100),
		"max delay":      meta.GovernorMaxDelay(0),
		"usage TTL":      meta.GovernorUsageTTL(-time.Second),
		"clock":          meta.GovernorClock(nil),
		"budget":         meta.GovernorBudget("", meta.BudgetWhatsAppThroughput),
		"budget \"k\"":   meta.GovernorBudget("k", meta.Budget{Limit: 1}),
		"default budget": meta.GovernorDefaultBudget(meta.Budget{Burst: 1}),
	} {
		_, err := meta.NewGovernor(o)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}

func TestGovernorDelayGrowsWithUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pct  float64
		want time.Duration
	}{
		{0, 0}, {79.9, 0}, {80, 0}, {90, 5 * time.Second}, {95, 7500 * time.Millisecond}, {100, 10 * time.Second}, {140, 10 * time.Second},
	}
	for _, tt := range tests {
		g := newGovernor(t, meta.GovernorThreshold(80), meta.GovernorMaxDelay(10*time.Second))
		g.Observe("k", appUsage(tt.pct))
		assert.Equal(t, tt.want, g.Delay("k"), "usage %v%%", tt.pct)
		assert.Equal(t, tt.want, g.Delay("another key"), "app usage slows every key")
	}
}

func TestGovernorWaitsAndBlocks(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t)
		ctx := t.Context()

		start := time.Now()
		require.NoError(t, g.Wait(ctx, "PHONE"))
		assert.Zero(t, time.Since(start), "no usage, no wait")

		// the phone number's WABA is at 100% for 2 minutes
		g.Observe("PHONE", meta.Usage{BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{
			"WABA": {{Type: "whatsapp_business_management", CallCount: 100, EstimatedTimeToRegainAccess: 2 * time.Minute}},
		}})
		assert.Equal(t, 2*time.Minute, g.Delay("PHONE"), "the key learned its business object")
		assert.Equal(t, 2*time.Minute, g.Delay("WABA"))
		assert.Zero(t, g.Delay("OTHER"))

		// a deadline that ends before the regain time fails fast
		short, cancel := context.WithTimeout(ctx, 30*time.Second)
		start = time.Now()
		err := g.Wait(short, "PHONE")
		cancel()
		require.ErrorIs(t, err, meta.ErrRateLimited)
		assert.Zero(t, time.Since(start))

		start = time.Now()
		require.NoError(t, g.Wait(ctx, "PHONE"))
		assert.Equal(t, 2*time.Minute, time.Since(start))

		// the BUC reading (100%) still counts until it is refreshed or stale
		assert.Equal(t, 10*time.Second, g.Delay("PHONE"))
		time.Sleep(6 * time.Minute) // fake time inside the bubble
		assert.Zero(t, g.Delay("PHONE"), "stale readings expire")
	})
}

func TestGovernorThrottledAndCancel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t)
		g.Throttled("k", time.Minute)
		g.Throttled("k", time.Second) // an earlier end does not shorten the block
		assert.Equal(t, time.Minute, g.Delay("k"))
		g.Throttled("no hint", 0)
		assert.Equal(t, 10*time.Second, g.Delay("no hint"), "no time from Meta: the maximum delay")
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- g.Wait(ctx, "k") }()
		time.Sleep(10 * time.Second)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

func TestGovernorTokenBuckets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t,
			meta.GovernorBudget("slow", meta.Budget{Limit: 2, Burst: 1}),
			meta.GovernorDefaultBudget(meta.Budget{Limit: 100, Burst: 100}))
		ctx := t.Context()
		start := time.Now()
		for range 5 {
			require.NoError(t, g.Wait(ctx, "slow"))
		}
		assert.Equal(t, 2*time.Second, time.Since(start), "5 calls at 2/s with burst 1")

		start = time.Now()
		for range 100 {
			require.NoError(t, g.Wait(ctx, "fast"))
		}
		assert.Zero(t, time.Since(start), "the default budget's burst")

		short, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
		defer cancel()
		start = time.Now()
		require.NoError(t, g.Wait(short, "slow"), "the next token comes 0.5s after the last slow call")
		assert.Equal(t, 500*time.Millisecond, time.Since(start))
		require.ErrorIs(t, g.Wait(short, "slow"), meta.ErrRateLimited, "the next token comes after the deadline")
	})
}

func TestGovernorDocumentedBudgets(t *testing.T) {
	t.Parallel()
	assert.Equal(t, meta.Budget{Limit: 80, Burst: 80}, meta.BudgetWhatsAppThroughput)
	assert.Equal(t, meta.Budget{Limit: 100, Burst: 100}, meta.BudgetInstagramSend)
	assert.Equal(t, meta.Budget{Limit: 10, Burst: 10}, meta.BudgetInstagramSendMedia)
}

func TestGovernorAdAccountUsage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t)
		g.Observe("act_1", meta.Usage{AdAccount: &meta.AdAccountUsage{AccIDUtilPct: 100, ResetTimeDuration: 90}})
		assert.Equal(t, 90*time.Second, g.Delay("act_1"))
	})
}

// TestClientFeedsTheGovernor checks the whole loop through the fake server:
// usage headers slow the next call, and a throttled answer blocks the key.
func TestClientFeedsTheGovernor(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Handle("POST /{version}/{phone}/messages", func(w http.ResponseWriter, r *http.Request) {
		metatest.WriteJSON(w, 200, map[string]any{"messages": []map[string]string{{"id": "wamid.1"}}})
	})
	srv.SetUsage(meta.Usage{App: &meta.AppUsage{CallCount: 90}})
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t, meta.GovernorMaxDelay(10*time.Second))
		c := srv.SynctestClient("tok", meta.WithGovernor(g), meta.WithRetry(1, time.Second, 30*time.Second))
		ctx := t.Context()
		start := time.Now()
		_, err := c.Post(ctx, "PHONE/messages", map[string]string{"to": "1"}, nil)
		require.NoError(t, err)
		assert.Zero(t, time.Since(start))
		start = time.Now()
		_, err = c.Post(ctx, "PHONE/messages", map[string]string{"to": "1"}, nil)
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, time.Since(start), "90% app usage with an 80% threshold: half the max delay")

		srv.SetUsage(meta.Usage{})
		srv.Fail(metatest.Match("POST", "PHONE/messages"), metatest.Failure{Status: 400, Code: 130429, RetryAfter: 10 * time.Minute, Times: 1})
		_, err = c.Post(ctx, "PHONE/messages", map[string]string{"to": "1"}, nil)
		require.ErrorIs(t, err, meta.ErrRateLimited)
		assert.InDelta(t, float64(10*time.Minute), float64(g.Delay("PHONE")), float64(10*time.Second))

		short, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, err = c.Post(short, "PHONE/messages", map[string]string{"to": "1"}, nil)
		require.ErrorIs(t, err, meta.ErrRateLimited, "the governor refuses a wait past the deadline")
		assert.Contains(t, err.Error(), "POST PHONE/messages")

		keyed := meta.WithGovernorKey(ctx, "elsewhere")
		start = time.Now()
		_, err = c.Post(keyed, "PHONE/messages", map[string]string{"to": "1"}, nil)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 10*time.Second, "another key is not blocked (app usage is still fresh)")
	})
	// 1 + 1 + 1 (throttled, not retried: 10m > max wait) + 1
	assert.Len(t, srv.Requests(), 4)
}

func BenchmarkParseUsage(b *testing.B) {
	h := http.Header{}
	h.Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`)
	h.Set("X-Business-Use-Case-Usage", `{"112130216863063":[{"type":"whatsapp_business_management","call_count":10,"total_cputime":4,"total_time":6,"estimated_time_to_regain_access":0}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := meta.ParseUsage(h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGovernorWait(b *testing.B) {
	g, err := meta.NewGovernor(meta.GovernorDefaultBudget(meta.Budget{Limit: 1e9, Burst: 1e9}))
	if err != nil {
		b.Fatal(err)
	}
	g.Observe("PHONE", meta.Usage{App: &meta.AppUsage{CallCount: 20}, BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"WABA": {{CallCount: 30}}}})
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := g.Wait(ctx, "PHONE"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGovernorForgetsStaleState(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t, meta.GovernorDefaultBudget(meta.Budget{Limit: 1000, Burst: 10}))
		busy := meta.Usage{BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"OBJ": {{CallCount: 95}}}}
		for i := range 6000 {
			g.Observe("k"+strconv.Itoa(i), meta.Usage{BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"o" + strconv.Itoa(i): {{CallCount: 1}}}})
		}
		g.Throttled("blocked", time.Hour)
		assert.Equal(t, 12001, g.Tracked())
		time.Sleep(10 * time.Minute)
		g.Observe("fresh", busy) // past the bound: stale entries go
		assert.Equal(t, 3, g.Tracked(), "fresh, its object OBJ, and the blocked key remain")
		assert.Equal(t, time.Duration(float64(10*time.Second)*0.75), g.Delay("fresh"))
		assert.Equal(t, 50*time.Minute, g.Delay("blocked"), "a pending block is kept")
		assert.Zero(t, g.Delay("k1"))
	})
}

package instagram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Insight is one metric as Meta reports it. Time series come in Values;
// totals (metric_type=total_value) in Total.
type Insight struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Period      string         `json:"period"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Values      []InsightValue `json:"values"`
	Total       *InsightTotal  `json:"total_value"`
}

// InsightValue is one point of a metric. Value is set for numeric metrics;
// metrics with breakdowns (online_followers, audience metrics…) keep their
// object in Raw.
type InsightValue struct {
	Value   int64
	Raw     json.RawMessage
	EndTime time.Time
}

// UnmarshalJSON reads {"value": number|object, "end_time": "..."}.
func (v *InsightValue) UnmarshalJSON(b []byte) error {
	var w struct {
		Value   json.RawMessage `json:"value"`
		EndTime string          `json:"end_time"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	v.Raw = w.Value
	if n, err := strconv.ParseInt(string(bytes.TrimSpace(w.Value)), 10, 64); err == nil {
		v.Value = n
	}
	v.EndTime = parseGraphTime(w.EndTime)
	return nil
}

// InsightTotal is a metric's total, with its breakdowns kept raw.
type InsightTotal struct {
	Value      int64           `json:"value"`
	Breakdowns json.RawMessage `json:"breakdowns,omitempty"`
}

func parseGraphTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// InsightsQuery selects account insights: Metrics (required, e.g. "reach",
// "follower_count", "profile_views", "accounts_engaged"), Period ("day",
// "week", "days_28", "lifetime"; default "day"), MetricType ("" or
// "total_value"), and an optional Since/Until range.
type InsightsQuery struct {
	Metrics    []string
	Period     string
	MetricType string
	Since      time.Time
	Until      time.Time
}

func validMetrics(field string, ms []string) error {
	if len(ms) == 0 {
		return invalid(field, "at least one metric")
	}
	for i, m := range ms {
		if m == "" || strings.Trim(m, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
			return invalid(fmt.Sprintf("%s[%d]", field, i), "not a metric name")
		}
	}
	return nil
}

// AccountInsights reads the account's insights (/{account}/insights).
// Read-only; the account must have enabled insights access.
func (c *Client) AccountInsights(ctx context.Context, q InsightsQuery) ([]Insight, error) {
	if err := validMetrics("metric", q.Metrics); err != nil {
		return nil, err
	}
	v := url.Values{"metric": {strings.Join(q.Metrics, ",")}}
	period := q.Period
	if period == "" {
		period = "day"
	}
	switch period {
	case "day", "week", "days_28", "month", "lifetime":
	default:
		return nil, invalid("period", "day, week, days_28, month or lifetime")
	}
	v.Set("period", period)
	switch q.MetricType {
	case "":
	case "total_value", "time_series":
		v.Set("metric_type", q.MetricType)
	default:
		return nil, invalid("metric_type", "total_value or time_series")
	}
	if !q.Since.IsZero() {
		v.Set("since", strconv.FormatInt(q.Since.Unix(), 10))
	}
	if !q.Until.IsZero() {
		if !q.Since.IsZero() && !q.Until.After(q.Since) {
			return nil, invalid("until", "must be after since")
		}
		v.Set("until", strconv.FormatInt(q.Until.Unix(), 10))
	}
	return c.insights(ctx, c.accountID, v)
}

// MediaInsights reads a media item's metrics (e.g. "reach", "likes",
// "comments", "shares", "saved", "views", "total_interactions").
func (c *Client) MediaInsights(ctx context.Context, mediaID string, metrics ...string) ([]Insight, error) {
	if err := validID("media id", mediaID); err != nil {
		return nil, err
	}
	if err := validMetrics("metric", metrics); err != nil {
		return nil, err
	}
	return c.insights(ctx, mediaID, url.Values{"metric": {strings.Join(metrics, ",")}})
}

func (c *Client) insights(ctx context.Context, id string, q url.Values) ([]Insight, error) {
	var out struct {
		Data []Insight `json:"data"`
	}
	if _, err := c.mc.Get(c.keyed(ctx), id+"/insights", q, &out); err != nil {
		return nil, fmt.Errorf("instagram: insights: %w", err)
	}
	return out.Data, nil
}

package findings

import (
	"fmt"
	"strings"
	"time"
)

// ParseSince reads a --since value: a duration back from now ("24h", "7d",
// "90m") or a date or timestamp ("2026-11-01", RFC 3339).
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := ParseTime(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: use a duration (24h, 7d) or a date (2026-11-01)", s)
}

// Describe renders the query for the header line above a findings table.
func (q Query) Describe() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("severity", strings.Join(q.Severities, ","))
	add("product", q.Product)
	add("type", q.TypePrefix)
	add("resource", q.Resource)
	add("status", strings.Join(q.Statuses, ","))
	add("record-state", q.RecordState)
	if !q.Since.IsZero() {
		add("since", FormatTime(q.Since))
	}
	add("generator", q.GeneratorPrefix)
	add("target", q.Target)
	if q.Limit > 0 {
		add("limit", fmt.Sprint(q.Limit))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

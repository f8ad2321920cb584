package syndicate_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/syndicate"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header, value string
		want                time.Duration
		ok                  bool
	}{
		{"seconds", "Retry-After", "120", 2 * time.Minute, true},
		{"HTTP date", "Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"date past", "Retry-After", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"a year is bounded", "Retry-After", "31536000", 24 * time.Hour, true},
		{"garbage", "Retry-After", "soon", 0, false},
		{"none", "X-Other", "1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.header, tt.value)
			got, ok := syndicate.RetryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("RetryAfter(%s: %s) = %s, %v; want %s, %v", tt.header, tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRateLimitReset(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header, value string
		want          time.Duration
	}{
		{"X-RateLimit-Reset", now.Add(3 * time.Minute).Format("2006-01-02T15:04:05.000000Z"), 3 * time.Minute},
		{"RateLimit-Reset", "1796227500", time.Unix(1796227500, 0).Sub(now)},
		{"RateLimit-Reset", "45", 45 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.header, tt.value)
		if got, ok := syndicate.RateLimitReset(h, now); !ok || got != tt.want {
			t.Errorf("RateLimitReset(%s: %s) = %s, %v; want %s", tt.header, tt.value, got, ok, tt.want)
		}
	}
}

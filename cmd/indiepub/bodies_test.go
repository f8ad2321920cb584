package main

import (
	"io"
	"testing"
	"time"
)

// --body-timeout and --body-min-rate reach server.Config, 0 turning them off (which the
// config says with a negative value); the environment works as the flags do.
func TestBodyLimitFlags(t *testing.T) {
	tests := []struct {
		args    []string
		env     map[string]string
		timeout time.Duration
		rate    int64
	}{
		{nil, nil, 30 * time.Second, 500},
		{[]string{"--body-timeout", "5s", "--body-min-rate", "2000"}, nil, 5 * time.Second, 2000},
		{[]string{"--body-timeout", "0", "--body-min-rate", "0"}, nil, -1, -1},
		{nil, map[string]string{"INDIEPUB_BODY_TIMEOUT": "1m", "INDIEPUB_BODY_MIN_RATE": "100"}, time.Minute, 100},
	}
	for _, tt := range tests {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		var o options
		if _, err := parseFlags("serve", &o, append([]string{"--data", t.TempDir()}, tt.args...), io.Discard, io.Discard); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if o.cfg.BodyTimeout != tt.timeout || o.cfg.BodyMinRate != tt.rate {
			t.Errorf("%q %v: BodyTimeout %v, BodyMinRate %d; want %v, %d", tt.args, tt.env,
				o.cfg.BodyTimeout, o.cfg.BodyMinRate, tt.timeout, tt.rate)
		}
	}
	var o options
	if _, err := parseFlags("serve", &o, []string{"--data", t.TempDir(), "--body-timeout", "-1s"}, io.Discard, io.Discard); err == nil {
		t.Error("a negative --body-timeout was accepted")
	}
}

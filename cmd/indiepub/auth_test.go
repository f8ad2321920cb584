package main

import (
	"flag"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
)

func TestAuthOptions(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    server.Config // only the auth fields are compared
		wantErr bool
	}{
		{"defaults", nil, nil, server.Config{Auth: "local", TokenCacheTTL: 5 * time.Minute}, false},
		// The website served here advertises only the endpoints it is given, so there is
		// nothing to discover from --url.
		{"external without an endpoint", nil, []string{"--auth", "external", "--url", "https://example.com/"}, server.Config{}, true},
		{"authorization endpoint not http", nil, []string{"--auth", "external", "--token-endpoint", "https://tokens.example.net/token",
			"--authorization-endpoint", "javascript:alert(1)"}, server.Config{}, true},
		{"external endpoint, cache off", nil,
			[]string{"--auth=external", "--token-endpoint", "https://tokens.example.net/token", "--token-cache-ttl", "0", "--allow-private-fetch"},
			server.Config{Auth: "external", TokenEndpoint: "https://tokens.example.net/token", TokenCacheTTL: -1, AllowPrivateFetch: true}, false},
		{"environment", map[string]string{"INDIEPUB_AUTH": "external", "INDIEPUB_TOKEN_CACHE_TTL": "30s", "INDIEPUB_ALLOW_PRIVATE_FETCH": "true",
			"INDIEPUB_INTROSPECTION_AUTH": "Bearer xyz", "INDIEPUB_TOKEN_ENDPOINT": "https://tokens.example.net/token"}, nil,
			server.Config{Auth: "external", TokenEndpoint: "https://tokens.example.net/token", TokenCacheTTL: 30 * time.Second,
				AllowPrivateFetch: true, IntrospectionAuth: "Bearer xyz"}, false},
		{"flag wins over environment", map[string]string{"INDIEPUB_AUTH": "external"}, []string{"--auth", "local"},
			server.Config{Auth: "local", TokenCacheTTL: 5 * time.Minute}, false},
		{"unknown verifier", nil, []string{"--auth", "ldap"}, server.Config{}, true},
		{"token endpoint not http", nil, []string{"--token-endpoint", "ftp://example.com/token"}, server.Config{}, true},
		{"negative ttl", nil, []string{"--token-cache-ttl", "-1s"}, server.Config{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var o options
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o.bind(fs)
			if err := fs.Parse(append([]string{"--data", t.TempDir()}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			err := o.finish()
			if (err != nil) != tt.wantErr {
				t.Fatalf("finish() error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			c := o.cfg
			got := server.Config{Auth: c.Auth, TokenEndpoint: c.TokenEndpoint, TokenCacheTTL: c.TokenCacheTTL,
				AllowPrivateFetch: c.AllowPrivateFetch, IntrospectionAuth: c.IntrospectionAuth}
			if got.Auth != tt.want.Auth || got.TokenEndpoint != tt.want.TokenEndpoint || got.TokenCacheTTL != tt.want.TokenCacheTTL ||
				got.AllowPrivateFetch != tt.want.AllowPrivateFetch || got.IntrospectionAuth != tt.want.IntrospectionAuth {
				t.Errorf("auth config %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Setenv("INDIEPUB_TRUSTED_PROXIES", "10.0.0.0/8")
	var o options
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.bind(fs)
	if err := fs.Parse([]string{"--data", t.TempDir(), "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "fd00::/8"}); err != nil {
		t.Fatal(err)
	}
	if err := o.finish(); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(o.cfg.TrustedProxies)
	if want := "[10.0.0.0/8 127.0.0.1/32 fd00::/8]"; got != want {
		t.Errorf("trusted proxies %s, want %s", got, want)
	}
	if err := fs.Parse([]string{"--trusted-proxy", "proxy.example"}); err == nil {
		t.Error("--trusted-proxy proxy.example accepted, want an error")
	}
}

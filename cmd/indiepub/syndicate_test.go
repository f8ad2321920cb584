package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

func TestTargetSpecs(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("from-file\n"), 0o600)
	t.Setenv("TEST_MASTODON_TOKEN", "from-env")
	tests := []struct {
		service, spec, wantErr string
	}{
		{"mastodon", "uid=https://social.example/@jane,name=Mastodon,server=https://social.example,token-file=" + tokenFile + ",always", ""},
		{"mastodon", "uid=https://social.example/@jane,server=https://social.example,token-env=TEST_MASTODON_TOKEN", ""},
		{"bluesky", "uid=https://bsky.app/profile/jane.example,handle=jane.example,password-env=TEST_MASTODON_TOKEN", ""},
		{"mastodon", "name=Mastodon,server=https://social.example,token-env=TEST_MASTODON_TOKEN", "uid=… is required"},
		{"mastodon", "uid=u,server=https://social.example,token=secret", `"token=secret"`},
		{"mastodon", "uid=u,server=https://social.example", "token-file=… or token-env=… is required"},
		{"mastodon", "uid=u,server=https://social.example,token-env=TEST_UNSET_VARIABLE", "is empty"},
		{"mastodon", "uid=u,server=ftp://social.example,token-env=TEST_MASTODON_TOKEN", "not an http(s) URL"},
		{"bluesky", "uid=u,handle=h,password-file=/nonexistent/file", "no such file"},
	}
	for _, tt := range tests {
		var o options
		err := o.addTargetSpecs(tt.service, tt.spec)
		if err == nil {
			err = o.buildTargets()
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("--syndicate-%s %q: %v, want %q", tt.service, tt.spec, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "from-") {
			t.Errorf("an error shows the credential: %v", err)
		}
	}
}

// TestServeWithMastodonTarget: indiepub serve with --syndicate-mastodon offers the target
// in q=config, in the syndicate-to extension's shape.
func TestServeWithMastodonTarget(t *testing.T) {
	fake := mastodontest.New()
	t.Cleanup(fake.Close)
	t.Setenv("TEST_MASTODON_TOKEN", mastodontest.Token)
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data, "--allow-private-fetch",
			"--syndicate-mastodon", "uid=" + fake.URL + "/@owner,name=Fake Mastodon,server=" + fake.URL + ",token-env=TEST_MASTODON_TOKEN,always"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)
	var out strings.Builder
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr, "--scope", "create"},
		nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/micropub?q=syndicate-to", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		SyndicateTo []struct {
			UID, Name string
			Service   struct{ Name, URL string }
		} `json:"syndicate-to"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.SyndicateTo) != 1 || got.SyndicateTo[0].UID != fake.URL+"/@owner" || got.SyndicateTo[0].Name != "Fake Mastodon" ||
		got.SyndicateTo[0].Service.Name != "Mastodon" {
		t.Errorf("q=syndicate-to %+v, want the configured Mastodon target", got.SyndicateTo)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestMentionsCommand: list shows a held webmention; approve, delete and block change
// it in the data directory's database; mistakes are errors.
func TestMentionsCommand(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []int64
	for _, src := range []string{"https://alice.example/reply", "https://spam.example/1"} {
		m := &webmention.Mention{Source: src, Target: "https://jane.example/notes/1", Created: time.Now()}
		if err := db.ReceiveMention(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.Status, m.Type = webmention.Verified, webmention.TypeReply
		if err := db.SaveMention(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	db.Close()
	mentions := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := Main(ctx, append(append([]string{"mentions"}, args...), "--data", dir), nil, &stdout, &stderr)
		return stdout.String(), err
	}
	out, err := mentions()
	if err != nil || !strings.Contains(out, "held") || !strings.Contains(out, "https://alice.example/reply") {
		t.Errorf("mentions: %v\n%s\nwant the held reply", err, out)
	}
	if out, err := mentions("approve", fmt.Sprint(ids[0])); err != nil || !strings.Contains(out, "approved") {
		t.Errorf("mentions approve: %v %s", err, out)
	}
	if out, err := mentions("block", "spam.example"); err != nil || !strings.Contains(out, "rejected 1") {
		t.Errorf("mentions block: %v %s", err, out)
	}
	out, _ = mentions("list")
	if !strings.Contains(out, "shown") || !strings.Contains(out, "rejected") {
		t.Errorf("mentions list after approve and block:\n%s", out)
	}
	if _, err := mentions("delete", fmt.Sprint(ids[0])); err != nil {
		t.Errorf("mentions delete: %v", err)
	}
	db, err = sqlite.Open(context.Background(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, _ := db.MentionByID(ctx, ids[0]); m == nil || m.Status != webmention.Deleted {
		t.Errorf("after delete: %+v, want deleted", m)
	}
	for _, bad := range [][]string{{"approve"}, {"approve", "x"}, {"frobnicate"}, {"approve", "999"}} {
		if _, err := mentions(bad...); err == nil {
			t.Errorf("mentions %q succeeded, want an error", bad)
		}
	}
	var stderr bytes.Buffer
	if err := Main(ctx, []string{"serve", "--data", dir, "--webmention-moderation", "some"}, nil, &bytes.Buffer{}, &stderr); err == nil {
		t.Errorf("serve --webmention-moderation some: no error")
	}
}

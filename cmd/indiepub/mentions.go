package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/indiepub/indiepub/internal/webmention"
)

const mentionsUsage = `usage: indiepub mentions [list | approve ID | delete ID | block DOMAIN] [flags]

commands:
  list            the latest webmentions received, those waiting for you first (the default)
  approve ID      show a held webmention, and let its host's next ones through (--webmention-moderation known)
  delete ID       take a webmention off the site
  block DOMAIN    reject every webmention from a host, received and to come
`

func runMentions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "list"
	if len(args) > 0 && !isHelp(args[0]) && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, mentionsUsage)
		return nil
	}
	var o options
	positional, err := parseFlags("mentions "+cmd+" [flags]", &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	want := map[string]int{"list": 0, "approve": 1, "delete": 1, "block": 1}
	n, ok := want[cmd]
	if !ok {
		fmt.Fprint(stderr, mentionsUsage)
		return fmt.Errorf("mentions: unknown command %q", cmd)
	}
	if len(positional) != n {
		return fmt.Errorf("mentions %s: want %d argument(s), got %d", cmd, n, len(positional))
	}
	db, err := o.openDB(ctx, newLogger(o.logJSON, o.debug, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	switch cmd {
	case "list":
		return listMentions(ctx, db, stdout)
	case "block":
		k, err := webmention.Block(ctx, db, positional[0], now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "blocked %s; rejected %d webmentions\n", positional[0], k)
		return nil
	}
	id, err := strconv.ParseInt(positional[0], 10, 64)
	if err != nil {
		return fmt.Errorf("mentions %s: bad ID %q", cmd, positional[0])
	}
	if cmd == "approve" {
		m, err := webmention.Approve(ctx, db, id, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "approved webmention %d from %s\n", id, m.Source)
		return nil
	}
	if _, err := webmention.Delete(ctx, db, id, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deleted webmention %d\n", id)
	return nil
}

func listMentions(ctx context.Context, db webmention.MentionStore, stdout io.Writer) error {
	held, err := db.Mentions(ctx, webmention.MentionQuery{Held: true, Limit: 200})
	if err != nil {
		return err
	}
	recent, err := db.Mentions(ctx, webmention.MentionQuery{Limit: 50})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tTYPE\tRECEIVED\tSOURCE\tTARGET")
	seen := map[int64]bool{}
	for _, m := range append(held, recent...) {
		if seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		status := m.Status
		switch {
		case m.Status == webmention.Verified && !m.Approved:
			status = "held"
		case m.Status == webmention.Verified:
			status = "shown"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, status, m.Type, m.Created.UTC().Format("2006-01-02 15:04"), m.Source, m.Target)
	}
	return tw.Flush()
}

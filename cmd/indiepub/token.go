package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indiepub/indiepub/internal/authserver"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("token: want issue, list, revoke, no-pkce or no-pkce-withdraw")
	}
	var o options
	var scope, clientID, expires string
	positional, err := parseFlags("token "+args[0], &o, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&scope, "scope", "create update delete undelete media", "space-separated scopes")
		fs.StringVar(&clientID, "client-id", "", "client the token is for; with revoke and no ID, revoke every token of that client")
		fs.StringVar(&expires, "expires", "", `lifetime, e.g. "90d" or "12h" (default: never)`)
	})
	if err != nil {
		return err
	}
	db, err := o.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "issue":
		return issueToken(ctx, db, o.cfg.URL, scope, clientID, expires, stdout)
	case "list":
		return listTokens(ctx, db, stdout)
	case "no-pkce":
		return listExemptions(ctx, db, stdout)
	case "no-pkce-withdraw":
		if len(positional) != 1 {
			return fmt.Errorf("token no-pkce-withdraw: want one client_id")
		}
		if err := db.RemovePKCEExemption(ctx, positional[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s must use PKCE again\n", positional[0])
		return nil
	case "revoke":
		if clientID != "" && len(positional) == 0 {
			n, err := db.RevokeClientTokens(ctx, clientID)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %d tokens of %s\n", n, clientID)
			return nil
		}
		if len(positional) != 1 {
			return fmt.Errorf("token revoke: want one token ID")
		}
		id, err := strconv.ParseInt(positional[0], 10, 64)
		if err != nil {
			return fmt.Errorf("token revoke: bad ID %q", positional[0])
		}
		if err := db.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %d\n", id)
		return nil
	}
	return fmt.Errorf("token: unknown command %q", args[0])
}

func issueToken(ctx context.Context, db *sqlite.DB, me, scope, clientID, expires string, stdout io.Writer) error {
	scopes := token.ParseScope(scope)
	if len(scopes) == 0 {
		return fmt.Errorf("token issue: --scope is empty; want some of %s", strings.Join(authserver.Scopes, " "))
	}
	for _, s := range scopes {
		if s != "post" && !slices.Contains(authserver.Scopes, s) { // post: legacy create+update
			return fmt.Errorf("token issue: unknown scope %q; want some of %s", s, strings.Join(authserver.Scopes, " "))
		}
	}
	raw, hash := token.Generate()
	t := &token.Token{Hash: hash, Me: me, ClientID: clientID, ClientName: "indiepub token issue",
		Scope: scopes, Issued: time.Now()}
	if expires != "" {
		d, err := parseLifetime(expires)
		if err != nil {
			return err
		}
		t.Expires = t.Issued.Add(d)
	}
	if err := db.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(stdout, raw)
	return nil
}

func listTokens(ctx context.Context, db *sqlite.DB, stdout io.Writer) error {
	tokens, err := db.ListTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAPP\tCLIENT\tSCOPE\tISSUED\tEXPIRES\tLAST USED")
	for _, t := range tokens {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, orDash(t.ClientName), orDash(t.ClientID), strings.Join(t.Scope, " "),
			fmtTime(t.Issued), fmtTime(t.Expires), fmtTime(t.LastUsed))
	}
	return tw.Flush()
}

// listExemptions lists the apps the owner allowed to sign in without PKCE.
func listExemptions(ctx context.Context, db *sqlite.DB, stdout io.Writer) error {
	list, err := db.ListPKCEExemptions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tCLIENT\tALLOWED")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", orDash(e.ClientName), e.ClientID, fmtTime(e.Created))
	}
	return tw.Flush()
}

// parseLifetime reads durations with a day unit ("90d") as well as Go's ("12h").
func parseLifetime(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--expires %q: want e.g. 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: want e.g. 90d or 12h", s)
	}
	return d, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

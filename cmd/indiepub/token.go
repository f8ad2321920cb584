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

// tokenArgs are what a token subcommand was given.
type tokenArgs struct {
	o                        options
	scope, clientID, expires string
	positional               []string
}

// tokenCommand is one token subcommand: its usage line, the flags it adds to the shared
// ones, an optional check before the database is opened, and what it does.
type tokenCommand struct {
	synopsis string
	flags    func(fs *flag.FlagSet, a *tokenArgs)
	check    func(a *tokenArgs) error
	run      func(ctx context.Context, db *sqlite.DB, a *tokenArgs, stdout io.Writer) error
}

var tokenCommands = map[string]tokenCommand{
	"issue": {
		synopsis: `token issue --scope "..." [--client-id URL] [--expires 90d] [flags]`,
		flags: func(fs *flag.FlagSet, a *tokenArgs) {
			fs.StringVar(&a.scope, "scope", "", "space-separated scopes, some of "+strings.Join(authserver.Scopes, " ")+" (required)")
			fs.StringVar(&a.clientID, "client-id", "", "client the token is for")
			fs.StringVar(&a.expires, "expires", "", `lifetime, e.g. "90d" or "12h" (default: never)`)
		},
		check: func(a *tokenArgs) error { return checkScopes(a.scope) },
		run: func(ctx context.Context, db *sqlite.DB, a *tokenArgs, stdout io.Writer) error {
			return issueToken(ctx, db, a.o.cfg.URL, a.scope, a.clientID, a.expires, stdout)
		},
	},
	"list": {
		synopsis: "token list [flags]",
		run: func(ctx context.Context, db *sqlite.DB, _ *tokenArgs, stdout io.Writer) error {
			return listTokens(ctx, db, stdout)
		},
	},
	"revoke": {
		synopsis: "token revoke ID | --client-id URL [flags]",
		flags: func(fs *flag.FlagSet, a *tokenArgs) {
			fs.StringVar(&a.clientID, "client-id", "", "with no ID: revoke every token of this client")
		},
		run: revokeTokens,
	},
	"no-pkce": {
		synopsis: "token no-pkce [flags]",
		run: func(ctx context.Context, db *sqlite.DB, _ *tokenArgs, stdout io.Writer) error {
			return listExemptions(ctx, db, stdout)
		},
	},
	"no-pkce-withdraw": {
		synopsis: "token no-pkce-withdraw URL [flags]",
		run:      withdrawExemption,
	},
}

const tokenUsage = `usage: indiepub token <command> [flags]

commands:
  issue --scope "..." [--client-id URL] [--expires 90d]  print a new access token for the owner
  list                          list active tokens
  revoke ID                     revoke a token
  revoke --client-id URL        revoke every token of one app
  no-pkce                       list the apps allowed to sign in without PKCE
  no-pkce-withdraw URL          withdraw that permission from one app

Run "indiepub token <command> -h" for a command's flags.
`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return fmt.Errorf("token: want issue, list, revoke, no-pkce or no-pkce-withdraw")
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, tokenUsage)
		return nil
	}
	cmd, ok := tokenCommands[args[0]]
	if !ok {
		fmt.Fprint(stderr, tokenUsage)
		return fmt.Errorf("token: unknown command %q", args[0])
	}
	var a tokenArgs
	var err error
	a.positional, err = parseFlags(cmd.synopsis, &a.o, args[1:], stdout, stderr, func(fs *flag.FlagSet) {
		if cmd.flags != nil {
			cmd.flags(fs, &a)
		}
	})
	if err != nil {
		return err
	}
	if cmd.check != nil {
		if err := cmd.check(&a); err != nil {
			return err // before the database is touched: a mistyped command changes nothing
		}
	}
	db, err := a.o.openDB(ctx, newLogger(a.o.logJSON, a.o.debug, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	return cmd.run(ctx, db, &a, stdout)
}

// revokeTokens revokes one token by its ID, or every token of --client-id.
func revokeTokens(ctx context.Context, db *sqlite.DB, a *tokenArgs, stdout io.Writer) error {
	if a.clientID != "" && len(a.positional) == 0 {
		n, err := db.RevokeClientTokens(ctx, a.clientID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d tokens of %s\n", n, a.clientID)
		return nil
	}
	if len(a.positional) != 1 {
		return fmt.Errorf("token revoke: want one token ID")
	}
	id, err := strconv.ParseInt(a.positional[0], 10, 64)
	if err != nil {
		return fmt.Errorf("token revoke: bad ID %q", a.positional[0])
	}
	if err := db.RevokeToken(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked token %d\n", id)
	return nil
}

// withdrawExemption makes one app use PKCE again.
func withdrawExemption(ctx context.Context, db *sqlite.DB, a *tokenArgs, stdout io.Writer) error {
	if len(a.positional) != 1 {
		return fmt.Errorf("token no-pkce-withdraw: want one client_id")
	}
	if err := db.RemovePKCEExemption(ctx, a.positional[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s must use PKCE again\n", a.positional[0])
	return nil
}

// checkScopes refuses an empty or unknown --scope. There is no default: a token that
// silently granted every scope, forever, is not what anyone leaving out --scope means.
func checkScopes(scope string) error {
	scopes := token.ParseScope(scope)
	if len(scopes) == 0 {
		return fmt.Errorf(`token issue: --scope is required, e.g. --scope "create update media"; some of %s`, strings.Join(authserver.Scopes, " "))
	}
	for _, s := range scopes {
		if s != "post" && !slices.Contains(authserver.Scopes, s) { // post: legacy create+update
			return fmt.Errorf("token issue: unknown scope %q; want some of %s", s, strings.Join(authserver.Scopes, " "))
		}
	}
	return nil
}

func issueToken(ctx context.Context, db *sqlite.DB, me, scope, clientID, expires string, stdout io.Writer) error {
	scopes := token.ParseScope(scope)
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

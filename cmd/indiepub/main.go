// Command indiepub publishes to your own website from any Micropub client and signs you in
// with your domain through IndieAuth.
//
//	indiepub serve                 run the server
//	indiepub token issue|list|revoke  manage access tokens
//	indiepub passwd                set the owner's sign-in password
//	indiepub media --me URL        run only the media endpoint, for another Micropub server
//	indiepub migrate --to URL      copy the SQLite database into an empty PostgreSQL one
//	indiepub backup FILE           back up the data directory while the server runs
//	indiepub restore FILE          restore a backup into an empty data directory
//	indiepub export DIR            write every post, file and a JSON Feed into DIR
//	indiepub import SRC            read an export: indiepub's, WordPress's, a JSON Feed
//	indiepub jobs [retry ID]       list background jobs, retry one
//	indiepub doctor URL            check a running site from outside
//	indiepub version               print the version, commit and build date
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the garbage collector's target when GOGC is not set: the heap may grow to
// five times what is live before a collection, against twice at Go's default of 100. The
// server's live heap is a few MiB and nearly all its garbage is per request, so at 100 it
// collected some 25 times a second under 16 clients' creates, about 6 % of the server's
// CPU (docs/PERFORMANCE.md); at 400 the heap stays within tens of MiB. GOGC in the
// environment wins (GOGC=100 for the smallest machines), and GOMEMLIMIT bounds it still.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "indiepub:", err)
		os.Exit(1)
	}
}

// Main runs the command line; tests call it directly. A request for help (-h, --help or
// the help command, at any level) prints the usage to stdout and succeeds.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := run(ctx, args, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // parseFlags has printed the usage
	}
	return err
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	case "mentions":
		return runMentions(ctx, args[1:], stdout, stderr)
	case "passwd":
		return runPasswd(ctx, args[1:], stdin, stdout, stderr)
	case "media":
		return runMedia(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "jobs":
		return runJobs(ctx, args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		if args[0] == "help" && len(args) > 1 { // help <command> [subcommand]
			return run(ctx, append(args[1:len(args):len(args)], "--help"), stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// isHelp reports whether arg asks for a command's usage.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

const usage = `usage: indiepub <command> [flags]

commands:
  serve                         run the website, Micropub and IndieAuth server
  token issue --scope "..."     print a new access token for the owner
  token list                    list active tokens
  token revoke ID               revoke a token
  token revoke --client-id URL  revoke every token of one app
  token no-pkce                 list the apps allowed to sign in without PKCE
  token no-pkce-withdraw URL    withdraw that permission from one app
  mentions [list]               list the webmentions received, those waiting for you first
  mentions approve|delete ID    show or remove one; mentions block DOMAIN rejects a host's
  passwd                        set the owner's password (reads standard input when it is not a terminal)
  media --me URL                run only the media endpoint, for a site on another Micropub server
  migrate --to postgres://...   copy the data directory's SQLite database into an empty PostgreSQL one
  backup FILE                   write a backup (.tar.gz) of the data directory, also while serving
  restore FILE --data DIR       restore a backup into an empty data directory
  export DIR                    write every post (mf2 JSON, Markdown), every file and a JSON Feed into DIR
  import DIR-or-FILE            read an indiepub export, a WordPress export (WXR) or a JSON Feed
  jobs                          list the pending, running and failed background jobs
  jobs retry ID                 run a failed job again now
  doctor URL                    check a running site from outside, as apps see it
  version                       print the version, commit and build date
  help [command]                print this, or a command's flags

Run "indiepub <command> -h" for a command's flags.
`

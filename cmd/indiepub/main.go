// Command indiepub publishes to your own website from any Micropub client and signs you in
// with your domain through IndieAuth.
//
//	indiepub serve                 run the server
//	indiepub token issue|list|revoke  manage access tokens
//	indiepub passwd                set the owner's sign-in password
//	indiepub media --me URL        run only the media endpoint, for another Micropub server
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "indiepub:", err)
		os.Exit(1)
	}
}

// Main runs the command line; tests call it directly.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	case "passwd":
		return runPasswd(ctx, args[1:], stdin, stdout, stderr)
	case "media":
		return runMedia(ctx, args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
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
  passwd                        set the owner's password (reads standard input when it is not a terminal)
  media --me URL                run only the media endpoint, for a site on another Micropub server

Run "indiepub <command> -h" for a command's flags.
`

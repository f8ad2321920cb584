package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/indiepub/indiepub/internal/server"
)

// options are the settings shared by the subcommands; each can be set by flag or by an
// INDIEPUB_* environment variable (the flag wins).
type options struct {
	addr    string
	cfg     server.Config
	logJSON bool
	debug   bool
}

// bind declares the shared flags on fs with defaults taken from the environment.
func (o *options) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", env("INDIEPUB_ADDR", "127.0.0.1:8080"), "listen address (INDIEPUB_ADDR)")
	fs.StringVar(&o.cfg.DataDir, "data", env("INDIEPUB_DATA", "data"), "data directory: SQLite file and media folder (INDIEPUB_DATA)")
	fs.StringVar(&o.cfg.URL, "url", env("INDIEPUB_URL", ""), `the site's public URL and the owner's "me" (INDIEPUB_URL; default http://<addr>/)`)
	fs.Int64Var(&o.cfg.MaxBody, "max-body", envInt("INDIEPUB_MAX_BODY", 10<<20), "largest request body in bytes, uploads aside (INDIEPUB_MAX_BODY)")
	fs.Int64Var(&o.cfg.MaxUpload, "max-upload", envInt("INDIEPUB_MAX_UPLOAD", 100<<20), "largest uploaded file in bytes (INDIEPUB_MAX_UPLOAD)")
	fs.BoolVar(&o.logJSON, "log-json", envBool("INDIEPUB_LOG_JSON"), "log as JSON (INDIEPUB_LOG_JSON)")
	fs.BoolVar(&o.debug, "debug", envBool("INDIEPUB_DEBUG"), "log every request (INDIEPUB_DEBUG)")
}

// finish completes the configuration after flags are parsed.
func (o *options) finish() error {
	if o.cfg.URL == "" {
		o.cfg.URL = "http://" + o.addr + "/"
	}
	if !strings.HasPrefix(o.cfg.URL, "http://") && !strings.HasPrefix(o.cfg.URL, "https://") {
		return fmt.Errorf("--url %q: must start with http:// or https://", o.cfg.URL)
	}
	o.cfg.Defaults()
	return os.MkdirAll(o.cfg.DataDir, 0o755)
}

// parseInterspersed parses flags that may come before or after positional arguments
// ("token revoke 3 --data dir" as well as "token revoke --data dir 3") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}

package s3blob

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// DefaultEndpoint is the S3 server when a store URL names none: Amazon S3.
const DefaultEndpoint = "s3.amazonaws.com"

// errURL says what a store URL looks like. Errors never repeat the URL given, which
// could hold credentials someone put there by mistake.
var errURL = errors.New("want s3://bucket/prefix?endpoint=host:port&region=name&insecure=1")

// ParseURL reads a store's location, s3://bucket/prefix?endpoint=host:port&region=name
// &insecure=1, into a Config without credentials: those come from the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the URL, which a URL with them
// is refused for. The endpoint may also be given as http://host:port (plain HTTP) or
// https://host:port.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Opaque != "" {
		return Config{}, fmt.Errorf("media store: %w", errURL)
	}
	if u.User != nil {
		return Config{}, errors.New("media store: credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never the URL")
	}
	if u.Host == "" {
		return Config{}, fmt.Errorf("media store: no bucket: %w", errURL)
	}
	cfg := Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Endpoint: DefaultEndpoint}
	for k, v := range u.Query() {
		val := v[len(v)-1]
		switch k {
		case "endpoint":
			cfg.Endpoint, cfg.Insecure = endpoint(val, cfg.Insecure)
		case "region":
			cfg.Region = val
		case "insecure":
			insecure, err := strconv.ParseBool(val)
			if err != nil {
				return Config{}, fmt.Errorf("media store: insecure=%q: want 1 or 0", val)
			}
			cfg.Insecure = cfg.Insecure || insecure
		default:
			return Config{}, fmt.Errorf("media store: unknown parameter %q: %w", k, errURL)
		}
	}
	if cfg.Endpoint == "" || strings.ContainsAny(cfg.Endpoint, "/?#@") {
		return Config{}, fmt.Errorf("media store: endpoint: want host or host:port: %w", errURL)
	}
	return cfg, nil
}

// endpoint strips a scheme from an endpoint: http:// means plain HTTP.
func endpoint(v string, insecure bool) (string, bool) {
	if rest, ok := strings.CutPrefix(v, "http://"); ok {
		return strings.TrimSuffix(rest, "/"), true
	}
	if rest, ok := strings.CutPrefix(v, "https://"); ok {
		return strings.TrimSuffix(rest, "/"), insecure
	}
	return v, insecure
}

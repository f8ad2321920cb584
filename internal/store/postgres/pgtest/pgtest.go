// Package pgtest gives tests a PostgreSQL database of their own: a fresh schema in the
// server that INDIEPUB_TEST_POSTGRES names (.ci/run starts one), dropped when the test
// ends, so that tests are independent and may run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the environment variable naming the test server.
const Env = "INDIEPUB_TEST_POSTGRES"

// Skip is the message of a test skipped for want of a server.
const Skip = "set " + Env + "=postgres://... (see .ci/run) to run the PostgreSQL tests"

// Server returns the URL of the test server. Without one the test is skipped, or, under
// CI=true, fails: CI must never pass by skipping.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(Skip)
		}
		t.Skip(Skip)
	}
	return u
}

// URL returns the URL of a new, empty schema of the test server, which the connections
// made with it use (search_path), and drops the schema when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := Server(t)
	var b [8]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithSchema(t, base, schema)
}

// WithSchema is base with its connections' search_path set to schema.
func WithSchema(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Package promtest checks metrics output with Prometheus's own promtool, for tests.
package promtest

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Check runs `promtool check metrics` on text and fails t with what promtool found. Without
// promtool (Debian's prometheus package) it skips, and fails under CI=true, where .ci/run
// has installed it.
func Check(t testing.TB, text []byte) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing under CI=true: .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool not found: apt-get install prometheus (or run .ci/run) to check the metrics format")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\non:\n%s", err, out, text)
	}
}

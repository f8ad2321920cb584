package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestDoctorCommand: against a running indiepub the doctor prints its findings, as JSON
// with --json, and succeeds; against an address nothing listens on it fails (exit 1).
func TestDoctorCommand(t *testing.T) {
	addr, _ := serveFresh(t)
	var out bytes.Buffer
	err := Main(context.Background(), []string{"doctor", "--json", "--allow-private-fetch", "http://" + addr + "/"}, nil, &out, io.Discard)
	var report struct {
		OK     bool `json:"ok"`
		Checks []struct{ Check, Status, Message string }
	}
	if jerr := json.Unmarshal(out.Bytes(), &report); err != nil || jerr != nil || !report.OK || len(report.Checks) < 6 {
		t.Errorf("doctor --json on a running server: err %v, output %s (%v), want success and every check", err, out.String(), jerr)
	}
	out.Reset()
	err = Main(context.Background(), []string{"doctor", "--allow-private-fetch", "http://" + freeAddr(t) + "/"}, nil, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "FAIL  reach") || !strings.Contains(out.String(), "fix: ") {
		t.Errorf("doctor on a dead address: err %v, output %s, want failure with a fix", err, out.String())
	}
}

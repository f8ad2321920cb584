//go:build !unix

package sqlite

// Without memory shared between processes the counters would miss other processes'
// changes, so the store has no TokenGeneration or SettingsGeneration here: the server
// reads tokens and settings for every request (counters.go).
type counters struct{}

func openCounters(string) (*counters, error) { return &counters{}, nil }

func (c *counters) bump(int) {}

func (c *counters) close() error { return nil }

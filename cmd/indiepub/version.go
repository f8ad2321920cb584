package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/indiepub/indiepub/internal/metrics"
)

const versionUsage = `usage: indiepub version

Prints indiepub's version, the commit it was built from and that commit's date, as the Go
toolchain recorded them in the binary ("devel" where it recorded none, as under go run).
`

// runVersion prints the version line; it takes no arguments besides a request for help.
func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		if isHelp(args[0]) {
			fmt.Fprint(stdout, versionUsage)
			return nil
		}
		return fmt.Errorf("version: unexpected argument %q", args[0])
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info))
	return nil
}

// versionLine describes the build from its build information: the main module's version,
// and the vcs.revision and vcs.time settings that go build stamps from the git checkout.
func versionLine(info *debug.BuildInfo) string {
	b := build(info)
	return fmt.Sprintf("indiepub %s, commit %s, built %s", b.Version, b.Commit, b.Date)
}

// build reads the version, commit and date from the build information, "devel" for
// each one missing.
func build(info *debug.BuildInfo) metrics.Build {
	version, commit, date := "devel", "devel", "devel"
	if info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				date = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit != "devel" {
			commit += " (modified)"
		}
		if commit == "devel" {
			commit, date = fromPseudoVersion(version, date)
		}
	}
	return metrics.Build{Version: version, Commit: commit, Date: date}
}

// pseudoVersion matches the end of a Go module pseudo-version
// (v0.0.0-20261202141500-abcdef123456, v1.2.4-0.20261202141500-abcdef123456): the
// commit's UTC time and the first 12 hex digits of its hash.
var pseudoVersion = regexp.MustCompile(`[.-](\d{14})-([0-9a-f]{12})(\+incompatible)?$`)

// fromPseudoVersion reads the commit and its date from a pseudo-version, which is all
// `go install …/cmd/indiepub@latest` records of an untagged commit: a build from the
// module proxy carries no vcs.* settings. A tagged version names no commit: "devel", and
// date as it was.
func fromPseudoVersion(version, date string) (string, string) {
	m := pseudoVersion.FindStringSubmatch(version)
	if m == nil {
		return "devel", date
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return "devel", date
	}
	return m[2], t.UTC().Format(time.RFC3339)
}

//go:build race

package site

// raceFactor scales time limits in tests: the race detector slows rendering, and copying
// the megabytes of a huge page, tenfold or more.
const raceFactor = 20

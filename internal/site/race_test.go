//go:build race

package site

// raceFactor scales time limits in tests: the race detector slows rendering severalfold.
const raceFactor = 10

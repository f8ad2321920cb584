//go:build !race

package site

// raceFactor scales time limits in tests: 1 without the race detector, so that the limits
// are the ones the site promises.
const raceFactor = 1

package mediaendpoint

import "math"

// SetRawMin sets the smallest body received raw, for tests that need both ways of
// receiving; below math.MaxInt64, bodies are received raw whatever the file system under
// the store. It returns a function that restores the settings.
func SetRawMin(n int64) (restore func()) {
	oldMin := rawMin.Swap(n)
	oldAnywhere := rawAnywhere.Swap(n != math.MaxInt64)
	return func() {
		rawMin.Store(oldMin)
		rawAnywhere.Store(oldAnywhere)
	}
}

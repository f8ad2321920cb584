package mediaendpoint

// SetRawMin sets the smallest body received raw, for tests that need both ways of
// receiving; it returns a function that restores the setting.
func SetRawMin(n int64) (restore func()) {
	old := rawMin.Swap(n)
	return func() { rawMin.Store(old) }
}

package media

import "time"

// Upload records a stored file under the URL it was published at.
type Upload struct {
	URL  string
	Path string // Blob.Path: where the file lives in the store
	Hash string
	Type string
	Size int64
	// Published is when the file was last uploaded.
	Published time.Time
}

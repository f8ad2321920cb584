package s3blob

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media"
)

// noSpaceCodes are the S3 error codes that say the server or the account has no room
// for the object: QuotaExceeded and InsufficientStorage (507) of Amazon S3's error list
// and of versitygw (EDQUOT and ENOSPC of its posix backend), MinIO's XMinioStorageFull
// and its bucket quota's XMinioAdminBucketQuotaExceeded, and StorageFull of other
// servers.
var noSpaceCodes = map[string]bool{
	"QuotaExceeded":                  true,
	"InsufficientStorage":            true,
	"XMinioStorageFull":              true,
	"XMinioAdminBucketQuotaExceeded": true,
	"StorageFull":                    true,
}

// spaceLatch names the S3 errors that refuse an object for want of room
// media.ErrNoSpace (a 507 for the uploader) and one the server finds too large
// media.ErrTooLarge (a 413), and logs the bucket's filling up once, as a warning, rather
// than at every upload; an object stored afterwards resets it.
type spaceLatch struct {
	full   atomic.Bool
	logger *slog.Logger
	bucket string
}

// check returns err, marked as media.ErrNoSpace or media.ErrTooLarge when S3's answer
// says so. A nil err is an object stored.
func (l *spaceLatch) check(err error) error {
	if err == nil {
		if l.full.CompareAndSwap(true, false) {
			l.logger.Info("media: the S3 bucket has room again", "bucket", l.bucket)
		}
		return nil
	}
	if errors.Is(err, media.ErrNoSpace) || errors.Is(err, media.ErrTooLarge) {
		return err
	}
	// minio-go's ToErrorResponse looks at err itself only, not at what it wraps.
	var r minio.ErrorResponse
	errors.As(err, &r)
	switch {
	case noSpaceCodes[r.Code] || r.StatusCode == http.StatusInsufficientStorage:
		if l.full.CompareAndSwap(false, true) {
			l.logger.Warn("media: the S3 server has no room; uploads are refused with 507 until it has",
				"bucket", l.bucket, "code", r.Code, "err", err)
		}
		return fmt.Errorf("%w: %w", media.ErrNoSpace, err)
	case r.Code == "EntityTooLarge":
		// S3's limit on one object or part (5 GiB a PUT, 5 TiB an object) or the
		// server's own: the uploader's file is too large for it.
		return fmt.Errorf("%w: %w", media.ErrTooLarge, err)
	}
	return err
}

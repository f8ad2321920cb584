package s3blob

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media"
)

// TestSpaceCodes: S3's answers for an object that does not fit are media.ErrNoSpace
// (507 for the uploader), its answer for one too large is media.ErrTooLarge (413), and
// anything else passes unmarked. versitygw's InsufficientStorage is tested end to end
// (internal/server TestS3NoRoom); the other servers' codes here.
func TestSpaceCodes(t *testing.T) {
	for _, tt := range []struct {
		code   string
		status int
		want   error
	}{
		{"QuotaExceeded", http.StatusForbidden, media.ErrNoSpace},
		{"InsufficientStorage", http.StatusInsufficientStorage, media.ErrNoSpace},
		{"XMinioStorageFull", http.StatusInsufficientStorage, media.ErrNoSpace},
		{"XMinioAdminBucketQuotaExceeded", http.StatusBadRequest, media.ErrNoSpace},
		{"SomethingNew", http.StatusInsufficientStorage, media.ErrNoSpace},
		{"EntityTooLarge", http.StatusBadRequest, media.ErrTooLarge},
		{"AccessDenied", http.StatusForbidden, nil},
		{"InternalError", http.StatusInternalServerError, nil},
	} {
		l := &spaceLatch{logger: slog.New(slog.DiscardHandler), bucket: "b"}
		err := l.check(fmt.Errorf("put: %w", minio.ErrorResponse{Code: tt.code, StatusCode: tt.status, Message: "no"}))
		for _, sentinel := range []error{media.ErrNoSpace, media.ErrTooLarge} {
			if errors.Is(err, sentinel) != (sentinel == tt.want) {
				t.Errorf("%s (%d): %v; is %v %v, want %v", tt.code, tt.status, err, sentinel,
					errors.Is(err, sentinel), sentinel == tt.want)
			}
		}
	}
}

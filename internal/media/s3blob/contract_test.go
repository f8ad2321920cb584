package s3blob_test

import (
	"context"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/blobtest"
	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
)

// TestContract runs the blob store contract on the S3 server of INDIEPUB_TEST_S3, each
// test in a bucket of its own, under a prefix.
func TestContract(t *testing.T) {
	s3test.Server(t)
	blobtest.Run(t, func(t *testing.T) media.Blobs {
		cfg := s3test.Bucket(t)
		cfg.Prefix = "site/media"
		s, err := s3blob.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return listed{Store: s, client: s3test.Client(t, cfg), cfg: cfg}
	})
}

// listed is a Store that lists its bucket, temporary objects and unfinished uploads
// included, for blobtest.
type listed struct {
	*s3blob.Store
	client *minio.Client
	cfg    s3blob.Config
}

func (s listed) List(ctx context.Context) ([]string, error) { return s3test.List(ctx, s.client, s.cfg) }

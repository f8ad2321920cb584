package sqlite

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"syscall"

	"github.com/indiepub/indiepub/internal/post"
)

// sqliteFull is SQLITE_FULL, the primary result code of a write that found the disk
// full (https://sqlite.org/rescode.html#full); extended codes keep it in their low byte.
const sqliteFull = 13

// isFull tells whether err comes from a disk (or a quota) without room.
func isFull(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteFull {
		return true
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// spaceLatch names the writes that failed for want of disk space post.ErrNoSpace, and
// logs the disk's filling up once, as a warning, rather than at every request; a write
// that succeeds afterwards resets it.
type spaceLatch struct {
	full   atomic.Bool
	logger *slog.Logger
}

// check returns err, marked as post.ErrNoSpace when it says the disk is full. A nil
// err is a write that succeeded.
func (l *spaceLatch) check(err error) error {
	switch {
	case err == nil:
		if l.full.CompareAndSwap(true, false) {
			l.logger.Info("database: the disk has room again")
		}
		return nil
	case isFull(err):
		if l.full.CompareAndSwap(false, true) {
			l.logger.Warn("database: the disk is full; posts and uploads are refused with 507 until there is room", "err", err)
		}
		return fmt.Errorf("%w: %w", post.ErrNoSpace, err)
	}
	return err
}

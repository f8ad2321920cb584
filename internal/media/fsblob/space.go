package fsblob

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"syscall"

	"github.com/indiepub/indiepub/internal/media"
)

// spaceLatch names the writes that failed for want of disk space media.ErrNoSpace, and logs
// the disk's filling up once, as a warning, rather than at every upload; a file stored
// afterwards resets it.
type spaceLatch struct {
	full   atomic.Bool
	logger *slog.Logger
}

// check returns err, marked as ErrNoSpace when it says the disk is full; dir names the
// store in the log. A nil err is a file stored.
func (l *spaceLatch) check(err error, dir string) error {
	switch {
	case err == nil:
		if l.full.CompareAndSwap(true, false) {
			l.logger.Info("media: the disk has room again", "dir", dir)
		}
		return nil
	case errors.Is(err, media.ErrNoSpace):
		return err
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		if l.full.CompareAndSwap(false, true) {
			l.logger.Warn("media: the disk is full; uploads are refused with 507 until there is room", "dir", dir, "err", err)
		}
		return fmt.Errorf("%w: %w", media.ErrNoSpace, err)
	}
	return err
}

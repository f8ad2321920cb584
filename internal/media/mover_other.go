//go:build !linux

package media

import (
	"io"
	"os"
)

func newMover(f *os.File, conn io.Reader) (mover, func()) { return readMover(f, conn), func() {} }

package doctor

import (
	"fmt"
	"os"
	"path/filepath"
)

// dataDir: the data directory takes a file (written, synced, removed) and has free space.
func (d *run) dataDir() {
	dir := d.o.DataDir
	if dir == "" {
		d.add("data", Skip, "not checked: give --data DIR, the server's data directory, on the server itself", "")
		return
	}
	fix := fmt.Sprintf("the user indiepub runs as must own %s (chown -R indiepub: %s; under systemd, ReadWritePaths= must name it)", dir, dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		d.add("data", Fail, fmt.Sprintf("the data directory %s is not there: %v", dir, err), "give the same --data as the server's")
		return
	}
	f, err := os.CreateTemp(dir, ".indiepub-doctor-*")
	if err == nil {
		_, err = f.WriteString("indiepub doctor\n")
		if serr := f.Sync(); err == nil {
			err = serr
		}
		f.Close()
		os.Remove(f.Name())
	}
	if err != nil {
		d.add("data", Fail, fmt.Sprintf("the data directory %s cannot be written: %v", dir, err), fix)
		return
	}
	free, ok := freeSpace(dir)
	abs, _ := filepath.Abs(dir)
	switch {
	case !ok:
		d.add("data", Pass, fmt.Sprintf("the data directory %s can be written (free space unknown here)", abs), "")
	case free < d.o.MinFree:
		d.add("data", Fail, fmt.Sprintf("the data directory %s has only %s free", abs, size(free)),
			"free some space or move the data directory to a larger disk: a full disk refuses posts and uploads (507)")
	default:
		d.add("data", Pass, fmt.Sprintf("the data directory %s can be written and has %s free", abs, size(free)), "")
	}
}

func size(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

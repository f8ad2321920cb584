package move

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// maxDocument bounds an export file read whole (a WXR file, a JSON Feed, a post).
const maxDocument = 512 << 20

// importer carries one import's settings and report.
type importer struct {
	cfg    Config
	store  Store
	files  Media
	report Report
	// media maps the old URLs of files to their new ones.
	media map[string]string
}

// Import reads an export at src into the store: a directory written by Export (found by
// its manifest), a directory holding a feed.json (a JSON Feed with its files beside it),
// a blog archive (Micro.blog's .bar export, a zip of the same), a WordPress WXR file, or a
// JSON Feed file. Files come first, so that the posts can point
// to their new URLs; then each post is placed (see place). A post that does not parse is
// reported and skipped; a store failure ends the import.
func Import(ctx context.Context, cfg Config, store Store, files Media, src string) (*Report, error) {
	cfg.defaults()
	im := &importer{cfg: cfg, store: store, files: files, media: map[string]string{}}
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	switch {
	case st.IsDir() && exists(filepath.Join(src, ManifestFile)):
		err = im.indiepub(ctx, src)
	case st.IsDir() && exists(filepath.Join(src, FeedFile)):
		err = im.jsonFeedFile(ctx, filepath.Join(src, FeedFile), src)
	case st.IsDir():
		err = fmt.Errorf("%w: %s holds neither %s nor %s", ErrFormat, src, ManifestFile, FeedFile)
	default:
		err = im.file(ctx, src)
	}
	return &im.report, err
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// file imports a single file: a blog archive when it is a zip, WXR when it is XML, a JSON
// Feed when it is JSON.
func (im *importer) file(ctx context.Context, name string) error {
	if isZip(name) {
		return im.archive(ctx, name)
	}
	b, err := readFile(name)
	if err != nil {
		return err
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("<")):
		return im.wxr(ctx, b)
	case bytes.HasPrefix(head, []byte("{")):
		return im.jsonFeed(ctx, b, os.DirFS(filepath.Dir(name)))
	}
	return fmt.Errorf("%w: %s is neither XML (WordPress), JSON (JSON Feed) nor a blog archive (.bar, .zip)", ErrFormat, name)
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxDocument)
	}
	return b, nil
}

// indiepub imports a directory that Export wrote: the files under media/, then every
// posts/**.json. URLs under the exporting site's URL move to this site's.
func (im *importer) indiepub(ctx context.Context, dir string) error {
	b, err := readFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return err
	}
	var m exportManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != 1 || m.URL == "" {
		return fmt.Errorf("%w: %s: want format 1 and the site's url", ErrFormat, ManifestFile)
	}
	if !strings.HasSuffix(m.URL, "/") {
		m.URL += "/"
	}
	// indiepub's own URLs fit indiepub: a post keeps its path, whatever KeepPaths says.
	im.cfg.KeepPaths = true
	if err := im.localMedia(ctx, filepath.Join(dir, MediaDir), m.URL+"media/"); err != nil {
		return err
	}
	if m.URL != im.cfg.URL {
		im.media[m.URL] = im.cfg.URL // links between posts, and files not in the store
	}
	r := replacer(im.media)
	return filepath.WalkDir(filepath.Join(dir, PostsDir), func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		e, err := readSourceItem(name)
		if err != nil {
			im.report.warn("%s: %v", name, err)
			return nil
		}
		rewriteFunc(e.item.Properties, r.Replace)
		e.oldURL = strings.Replace(e.oldURL, m.URL, "/", 1)
		return im.placeOrWarn(ctx, e)
	})
}

// readSourceItem reads a post written as q=source shows it.
func readSourceItem(name string) (entry, error) {
	b, err := readFile(name)
	if err != nil {
		return entry{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return entry{}, err
	}
	it, err := post.Normalize(raw)
	if err != nil {
		return entry{}, err
	}
	e := entry{item: it, oldURL: it.First("url")}
	delete(it.Properties, "url")
	// q=source spells out the defaults; the item keeps only what was chosen.
	if it.First("post-status") == post.StatusPublished {
		delete(it.Properties, "post-status")
	}
	if it.First("visibility") == post.VisibilityPublic {
		delete(it.Properties, "visibility")
	}
	e.slug = path.Base(strings.TrimSuffix(e.oldURL, "/"))
	return e, nil
}

// placeOrWarn places e; an entry the post package refuses is reported, not fatal.
func (im *importer) placeOrWarn(ctx context.Context, e entry) error {
	err := im.place(ctx, e)
	if errors.Is(err, post.ErrInvalid) {
		im.report.warn("%v", err)
		return nil
	}
	return err
}

// localMedia stores every regular file under root, which a site served at oldBase:
// root/ab/cd/x.jpg was oldBase+"ab/cd/x.jpg".
func (im *importer) localMedia(ctx context.Context, root, oldBase string) error {
	fsys := os.DirFS(root)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		_, err = im.storeLocal(ctx, oldBase+name, fsys, name)
		return err
	})
	if errors.Is(err, fs.ErrNotExist) && !exists(root) {
		return nil
	}
	return err
}

// storeLocal stores the file name of fsys as the new home of oldURL.
func (im *importer) storeLocal(ctx context.Context, oldURL string, fsys fs.FS, name string) (string, error) {
	if n, ok := im.media[oldURL]; ok {
		return n, nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	u, err := im.files.Upload(ctx, f, mime.TypeByExtension(path.Ext(name)))
	if err != nil {
		return "", fmt.Errorf("store %s: %w", name, err)
	}
	im.media[oldURL] = u.URL
	im.report.Media++
	return u.URL, nil
}

// fetch stores the file at oldURL: from local (a directory or an archive) when a file
// there matches the URL's path below marker, otherwise downloaded through the guarded
// client. A file that cannot be had is reported and keeps its old URL.
func (im *importer) fetch(ctx context.Context, oldURL string, local fs.FS, marker string) {
	if _, ok := im.media[oldURL]; ok {
		return
	}
	if local != nil {
		if name, ok := localFile(oldURL, local, marker); ok {
			if _, err := im.storeLocal(ctx, oldURL, local, name); err != nil {
				im.report.warn("attachment %s: %v", oldURL, err)
			}
			return
		}
	}
	if err := im.download(ctx, oldURL); err != nil {
		im.report.warn("attachment %s: %v", oldURL, err)
	}
}

// localFile finds the file for u in fsys: the part of u's path after marker
// ("/wp-content/uploads/"), or its whole path when marker is "". The name is cleaned
// first and fs.FS names nothing outside fsys, so "../" leads nowhere.
func localFile(u string, fsys fs.FS, marker string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	p := pu.Path
	if marker != "" {
		i := strings.Index(p, marker)
		if i < 0 {
			return "", false
		}
		p = p[i+len(marker):]
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if !fs.ValidPath(name) || name == "." || name == "" {
		return "", false
	}
	st, err := fs.Stat(fsys, name)
	if err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return name, true
}

func (im *importer) download(ctx context.Context, u string) error {
	if im.cfg.Client == nil {
		return errors.New("not found locally, and downloads are off")
	}
	if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return errors.New("not an http or https URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := im.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.ContentLength > im.cfg.MaxFile {
		return fmt.Errorf("larger than %d bytes", im.cfg.MaxFile)
	}
	body := io.LimitReader(resp.Body, im.cfg.MaxFile+1)
	up, err := im.files.Upload(ctx, body, resp.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	im.media[u] = up.URL
	im.report.Media++
	return nil
}

package move

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
)

// A blog archive is Micro.blog's export ("Export in blog archive format"): a zip, named
// .bar, holding index.html (an h-feed), feed.json (a JSON Feed of every post, HTML in
// content_html) and the uploaded files in folders such as uploads/2024/… that the posts
// link to (https://www.manton.org/2017/11/24/blog-archive-format.html,
// https://book.micro.blog/blog-archive-format/). indiepub reads feed.json, at the top of
// the archive or in its one top-level folder (an archive zipped from a folder), and takes
// each file a post uses from the archive at its URL's path, as from an unpacked directory.
//
// Nothing is unpacked to disk: files are read through the zip's fs.FS, whose names are
// cleaned of "../" and leading slashes, and go to the media store by their content, so an
// entry's name cannot reach outside the archive.

// zipMagic begins a zip's first local file header.
var zipMagic = []byte("PK\x03\x04")

// isZip reports whether the file name begins as a zip does.
func isZip(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, zipMagic)
}

// archive imports the blog archive in the zip file name.
func (im *importer) archive(ctx context.Context, name string) error {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFormat, name, err)
	}
	defer zr.Close()
	root, feed, err := openArchive(&zr.Reader)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return im.jsonFeed(ctx, feed, root)
}

// openArchive finds feed.json in a blog archive and returns the folder that holds it, as
// the root the posts' files are looked up in, and its bytes.
func openArchive(zr *zip.Reader) (fs.FS, []byte, error) {
	dir, err := feedDir(zr)
	if err != nil {
		return nil, nil, err
	}
	root, err := fs.Sub(zr, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: blog archive: %v", ErrFormat, err)
	}
	f, err := root.Open(FeedFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: blog archive: %v", ErrFormat, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDocument+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: blog archive: %s: %v", ErrFormat, FeedFile, err)
	}
	if len(b) > maxDocument {
		return nil, nil, fmt.Errorf("%w: blog archive: %s is larger than %d bytes", ErrFormat, FeedFile, maxDocument)
	}
	return root, b, nil
}

// feedDir is the folder of the archive's feed.json: "." when it is at the top, else the
// one top-level folder that holds it.
func feedDir(zr *zip.Reader) (string, error) {
	if st, err := fs.Stat(zr, FeedFile); err == nil && st.Mode().IsRegular() {
		return ".", nil
	}
	entries, err := fs.ReadDir(zr, ".")
	if err != nil {
		return "", fmt.Errorf("%w: blog archive: %v", ErrFormat, err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if st, err := fs.Stat(zr, path.Join(e.Name(), FeedFile)); err == nil && st.Mode().IsRegular() {
			found = append(found, e.Name())
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%w: blog archive: want one %s, at the top or in one top-level folder; found %d", ErrFormat, FeedFile, len(found))
	}
	return found[0], nil
}

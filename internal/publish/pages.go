package publish

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"statusedge/nginx"
)

// pageExt ends a page's file name: nginx serves /incidents/<id> from <id>.html.
const pageExt = ".html"

// Pages makes STATUS_DIR's nginx.PagesFolder hold exactly pages (id → HTML): a page
// whose bytes differ is replaced atomically (WriteCopy), an unchanged one is left alone,
// and the page of an id not in pages is removed, so that a shortlink opens only what the
// documents name. The folder must be a plain folder: nothing is written through a
// symlink planted there.
func (p *Publisher) Pages(pages map[string][]byte) error {
	for id := range pages {
		if err := nginx.CheckPageID(id); err != nil {
			return err
		}
	}
	unlock, err := p.lock()
	if err != nil {
		return err
	}
	defer unlock()
	dir, err := p.realDir(nginx.PagesFolder, "", true)
	if err != nil {
		return err
	}
	var errs []error
	for id, body := range pages {
		if old, _, err := readFile(filepath.Join(dir, id+pageExt)); err == nil && bytes.Equal(old, body) {
			continue
		}
		errs = append(errs, WriteCopy(dir, id+pageExt, body))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), pageExt)
		if _, keep := pages[id]; ok && !keep {
			errs = append(errs, os.Remove(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

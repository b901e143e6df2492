package waexport

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/custos-archive/custos/item"
)

// ErrBadZip is returned (wrapped) for a zip that cannot be read or holds no
// chat text.
var ErrBadZip = errors.New("not a usable WhatsApp export zip")

// ParseZip reads a WhatsApp export zip: the chat text (_chat.txt on iOS,
// "WhatsApp Chat with X.txt" on Android) and the media files beside it. It
// parses the text as ParseText does; unless o.Chat is set, the chat name
// comes from the text's file name or else the zip's ("WhatsApp Chat - Bob.zip").
//
// Every media file a message names and the zip holds is extracted into dir
// (created if need be), streamed, never held in memory, under its own base
// name; the item gets one Attachment with Path = the absolute path of the
// extracted file, Size and SHA256, and its Text becomes the caption (without
// the placeholder). A file named by several messages is extracted once. Media
// the zip does not hold, and placeholders of exports without media, are
// marked as ParseText marks them (meta "media": "omitted").
//
// Files in the zip that no message names are not extracted. The error names
// the zip for a zip that is truncated or corrupt, that holds no chat text, or
// whose media cannot be extracted; files extracted by a failing call are
// removed.
func ParseZip(zipPath, dir string, o Options) (*Result, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: ParseZip needs a directory to extract media into", ErrOptions)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v (a zip cut short in transfer has lost its directory, which is at the end: copy it again)", zipPath, ErrBadZip, err)
	}
	defer zr.Close()

	chat, err := chatEntry(zr.File)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zipPath, err)
	}
	p, err := newParser(zipPath+"/"+chat.Name, o)
	if err != nil {
		return nil, err
	}
	p.name = filepath.Base(zipPath) + "/" + chat.Name
	p.chatHint = chatFromFile(zipPath)
	if err := readEntry(p, chat); err != nil {
		return nil, err
	}
	res, refs, err := p.finish()
	if err != nil {
		return nil, err
	}

	media := map[string]*zip.File{}
	for _, f := range zr.File {
		if f == chat || f.FileInfo().IsDir() {
			continue
		}
		if b := path.Base(f.Name); media[b] == nil {
			media[b] = f
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: media directory %q: %v", ErrOptions, dir, err)
	}
	x := &extractor{dir: abs, done: map[string]item.Attachment{}}
	for _, ref := range refs {
		f := media[ref.name]
		if ref.omitted || ref.name == "" || f == nil {
			markOmitted(ref)
			continue
		}
		a, err := x.extract(f)
		if err != nil {
			x.undo()
			return nil, fmt.Errorf("%s: extracting %s: %w", zipPath, f.Name, err)
		}
		ref.it.Attachments = []item.Attachment{a}
		ref.it.Text = ref.caption
		ref.it.Meta["media-file"] = ref.name
		if err := ref.it.Validate(); err != nil {
			x.undo()
			return nil, fmt.Errorf("%s: attaching %s to the message on line %s: %w", zipPath, f.Name, ref.it.Meta["export-line"], err)
		}
	}
	return res, nil
}

func readEntry(p *parser, f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w: %v", p.file, ErrBadZip, err)
	}
	defer rc.Close()
	if err := p.read(rc); err != nil {
		if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: %w", ErrBadZip, err)
		}
		return err
	}
	return nil
}

// chatEntry finds the chat text in a zip: _chat.txt, else a file named as
// WhatsApp names exports, else the only .txt file.
func chatEntry(files []*zip.File) (*zip.File, error) {
	var txt, named []*zip.File
	for _, f := range files {
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(f.Name), ".txt") {
			continue
		}
		b := path.Base(f.Name)
		if b == "_chat.txt" {
			return f, nil
		}
		txt = append(txt, f)
		if chatFromFile(b) != "" {
			named = append(named, f)
		}
	}
	switch {
	case len(named) == 1:
		return named[0], nil
	case len(named) == 0 && len(txt) == 1:
		return txt[0], nil
	case len(txt) == 0:
		var names []string
		for i, f := range files {
			if i == 5 {
				names = append(names, "…")
				break
			}
			names = append(names, f.Name)
		}
		return nil, fmt.Errorf("%w: it holds no chat text (_chat.txt or \"WhatsApp Chat with ….txt\"); it has %d files: %s", ErrBadZip, len(files), strings.Join(names, ", "))
	}
	if len(named) > 1 {
		txt = named
	}
	names := make([]string, len(txt))
	for i, f := range txt {
		names[i] = f.Name
	}
	sort.Strings(names)
	return nil, fmt.Errorf("%w: it holds several texts that could be the chat (%s); export each chat to its own zip", ErrBadZip, strings.Join(names, ", "))
}

// extractor copies media out of a zip, once per file.
type extractor struct {
	dir     string
	done    map[string]item.Attachment
	created []string
}

func (x *extractor) extract(f *zip.File) (item.Attachment, error) {
	if a, ok := x.done[f.Name]; ok {
		return a, nil
	}
	name := strings.ReplaceAll(path.Base(f.Name), `\`, "_")
	if name == "." || name == ".." || name == "/" {
		return item.Attachment{}, fmt.Errorf("unusable file name %q", f.Name)
	}
	if len(x.created) == 0 {
		if err := os.MkdirAll(x.dir, 0o750); err != nil {
			return item.Attachment{}, err
		}
	}
	rc, err := f.Open()
	if err != nil {
		return item.Attachment{}, err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(x.dir, ".waexport-*")
	if err != nil {
		return item.Attachment{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), rc)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return item.Attachment{}, err
	}
	dst := filepath.Join(x.dir, name)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return item.Attachment{}, err
	}
	x.created = append(x.created, dst)
	a := item.Attachment{Name: name, ContentType: contentType(name), Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Path: dst}
	x.done[f.Name] = a
	return a, nil
}

// undo removes the files this extractor created.
func (x *extractor) undo() {
	for _, p := range x.created {
		os.Remove(p)
	}
}

package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// defaultImportWait is how long an upload request waits for its import before answering "still
// running" (202 in the API, the batch page in the console).
const defaultImportWait = 5 * time.Second

// maxFormFields bounds the small fields an upload form may carry besides the file.
const maxFormFields = 16

// upload is a received file, spooled to UploadDir, with what the request said about it.
type upload struct {
	Dept, Item string
	FileName   string // as the client named it: metadata and format detection only, never a path
	Format     format.Format
	Encoding   format.Encoding
	Fields     map[string]string // other small form fields
	by         *auth.Principal   // who uploads: it must act for Dept
	path       string            // the spooled file, named by us
	hash       string            // SHA-256, hex
	size       int64
}

// remove deletes the spooled file.
func (u *upload) remove() {
	if u != nil && u.path != "" {
		_ = os.Remove(u.path) // #nosec G703 -- u.path is our own os.CreateTemp spool file
	}
}

// receiveUpload reads an upload: either the raw file as the body with dept, item and filename
// in the query, or multipart/form-data with a "file" part and dept, item (and other) fields.
// The body is limited to MaxUpload (plus room for the multipart envelope); more is ETOOLARGE.
// The department defaults to the uploader's own, and must be its own unless it is the admin.
// A browser's multipart form must bring its CSRF token ahead of the file (guard left it here).
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request) (*upload, error) {
	q := r.URL.Query()
	p := principal(r)
	u := &upload{Dept: q.Get("dept"), Item: q.Get("item"), FileName: cleanFileName(q.Get("filename")),
		Format: format.Format(q.Get("format")), Encoding: format.Encoding(q.Get("encoding")), Fields: map[string]string{}, by: p}
	if u.Dept == "" && !p.Has(auth.RoleAdmin) {
		u.Dept = p.Dept
	}
	csrfPending := state(r).csrfPending
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := s.precheck(u); err != nil {
			return nil, err
		}
		if err := s.checkUploadOptions(u); err != nil {
			return nil, err
		}
		if err := s.spool(u, r.Body); err != nil {
			return nil, err
		}
		return u, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, credit.Errorf(credit.EINVALID, "无法读取上传表单 / cannot read the multipart form: %v", err)
	}
	fail := func(err error) (*upload, error) { u.remove(); return nil, err }
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(uploadReadError(err))
		}
		name := part.FormName()
		if name == "file" {
			if csrfPending && !state(r).csrfOK {
				return fail(auth.ErrCSRF)
			}
			if u.path != "" {
				return fail(credit.Errorf(credit.EINVALID, "一次只能上传一个文件 / upload one file at a time"))
			}
			if fn := cleanFileName(part.FileName()); fn != "" {
				u.FileName = fn
			}
			if u.Dept != "" && u.Item != "" { // fields sent ahead of the file: check them now
				if err := s.precheck(u); err != nil {
					return fail(err)
				}
			}
			if err := s.spool(u, part); err != nil {
				return fail(err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 4<<10+1))
		if err != nil {
			return fail(uploadReadError(err))
		}
		if len(b) > 4<<10 {
			return fail(&credit.Error{Code: credit.EINVALID, Field: name, Rule: credit.RuleMaxLength,
				Message: "表单字段 " + name + " 过长 / form field " + name + " is too long"})
		}
		v := strings.TrimSpace(string(b))
		if len(u.Fields) >= maxFormFields {
			return fail(credit.Errorf(credit.EINVALID, "表单字段过多 / too many form fields"))
		}
		switch name {
		case csrfField:
			if csrfPending {
				if err := s.checkFormCSRF(r, v); err != nil {
					return fail(err)
				}
			}
		case "dept":
			u.Dept = v
		case "item":
			u.Item = v
		case "filename":
			if u.FileName == "" {
				u.FileName = cleanFileName(v)
			}
		case "format":
			u.Format = format.Format(v)
		case "encoding":
			u.Encoding = format.Encoding(v)
		default:
			u.Fields[name] = v
		}
	}
	if csrfPending && !state(r).csrfOK {
		return fail(auth.ErrCSRF)
	}
	if u.path == "" {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "file", Rule: credit.RuleRequired,
			Message: "请选择要上传的文件 / no file was uploaded (multipart field \"file\")"}
	}
	if err := s.precheck(u); err != nil {
		return fail(err)
	}
	if err := s.checkUploadOptions(u); err != nil {
		return fail(err)
	}
	return u, nil
}

// precheck refuses an upload whose department or item is already known to be wrong before its
// body is read, so a typo does not cost a 2 GiB transfer (the importer checks again), and an
// upload for a department the uploader may not act for.
func (s *Server) precheck(u *upload) error {
	if _, err := s.app.Catalog().CheckSubmission(u.Dept, u.Item); err != nil {
		return err
	}
	return actsFor(u.by, u.Dept)
}

func (s *Server) checkUploadOptions(u *upload) error {
	switch u.Format {
	case "", format.CSV, format.XLSX, format.JSONL:
	default:
		u.remove()
		return &credit.Error{Code: credit.EINVALID, Field: "format", Rule: credit.RuleEnum,
			Message: fmt.Sprintf("不支持的格式 %q，应为 csv、xlsx 或 jsonl / format must be csv, xlsx or jsonl", u.Format)}
	}
	switch u.Encoding {
	case "", format.UTF8, format.GB18030:
	default:
		u.remove()
		return &credit.Error{Code: credit.EINVALID, Field: "encoding", Rule: credit.RuleEnum,
			Message: fmt.Sprintf("不支持的编码 %q，应为 utf-8 或 gb18030 / encoding must be utf-8 or gb18030", u.Encoding)}
	}
	return nil
}

// spool copies the file into a temporary file under UploadDir, hashing it on the way.
func (s *Server) spool(u *upload, src io.Reader) error {
	dir := s.cfg.UploadDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "xinyong-uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("upload dir: %w", err)
	}
	f, err := os.CreateTemp(dir, "upload-*.part")
	if err != nil {
		return fmt.Errorf("spool upload: %w", err)
	}
	u.path = f.Name()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, s.cfg.MaxUpload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.cfg.MaxUpload {
		err = tooLarge(s.cfg.MaxUpload)
	}
	if err != nil {
		u.remove()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(s.cfg.MaxUpload)
		}
		return uploadReadError(err)
	}
	if n == 0 {
		u.remove()
		return &credit.Error{Code: credit.EINVALID, Field: "file", Rule: credit.RuleRequired,
			Message: "文件为空，请选择要上传的文件 / the file is empty"}
	}
	u.hash, u.size = hex.EncodeToString(h.Sum(nil)), n
	return nil
}

func tooLarge(limit int64) error {
	return credit.Errorf(credit.ETOOLARGE, "文件超过上传上限 %s / the file is larger than the upload limit of %s", byteSize(limit), byteSize(limit))
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	var ce *credit.Error
	if errors.As(err, &ce) {
		return err
	}
	return credit.Errorf(credit.EINVALID, "上传未完成或格式错误 / the upload was interrupted or malformed: %v", err)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// cleanFileName keeps only the last element of a client's file name, without control
// characters and at most 200 characters. It is stored as the batch's file name and used to
// detect the format, never as a path.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// importRun is an import started by an upload.
type importRun struct {
	started chan *store.Batch // the batch as it was created (a copy), once
	done    chan struct{}     // closed when the import returned; res and err are then set
	res     *ingest.Result
	err     error
}

// startImport runs the import of a spooled upload in the background; the spooled file is
// removed when the import ends. A second upload of the same file while the first is still
// being imported is refused (ECONFLICT): two imports of one batch would count twice.
func (s *Server) startImport(u *upload) (*importRun, error) {
	key := u.Dept + "|" + u.Item + "|" + u.hash
	s.importsMu.Lock()
	if s.inflight[key] {
		s.importsMu.Unlock()
		u.remove()
		return nil, errUploadRun
	}
	s.inflight[key] = true
	s.importsMu.Unlock()

	run := &importRun{started: make(chan *store.Batch, 1), done: make(chan struct{})}
	name := u.FileName
	if name == "" {
		name = "upload"
	}
	req := ingest.Request{Dept: u.Dept, Item: u.Item, Path: u.path, FileName: name, Format: u.Format,
		Encoding: u.Encoding, SubmittedBy: u.by.Actor(),
		OnStart: func(b *store.Batch) {
			cp := *b // the importer goes on changing b: hand over a copy
			run.started <- &cp
		}}
	s.importsWG.Add(1)
	go func() {
		defer s.importsWG.Done()
		defer func() {
			u.remove()
			s.importsMu.Lock()
			delete(s.inflight, key)
			s.importsMu.Unlock()
			close(run.done)
		}()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("import panic", "dept", u.Dept, "item", u.Item, "panic", p)
				run.err = credit.Errorf(credit.EINTERNAL, "import panic: %v", p)
			}
		}()
		// The import outlives the request that started it (it may answer 202 first).
		run.res, run.err = s.app.Import(s.bg, req, nil)
		if run.err != nil && credit.ErrorCode(run.err) == credit.EINTERNAL {
			s.log.Error("import failed", "dept", u.Dept, "item", u.Item, "err", run.err)
		}
	}()
	return run, nil
}

// outcome is what an upload request can say after waiting for its import.
type outcome struct {
	finished bool
	res      *ingest.Result // finished
	err      error          // finished
	batch    *store.Batch   // the batch (finished: final; else as stored now)
}

// wait waits up to d for the import to finish, and in any case until its batch exists.
func (s *Server) wait(ctx context.Context, run *importRun, d time.Duration) (outcome, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	started, timeout := run.started, timer.C
	var batch *store.Batch
	late := false
	for {
		select {
		case <-run.done:
			o := outcome{finished: true, res: run.res, err: run.err}
			if run.res != nil {
				o.batch = run.res.Batch
			}
			return o, nil
		case b := <-started:
			batch, started = b, nil
		case <-timeout:
			late, timeout = true, nil
		case <-ctx.Done():
			return outcome{}, ctx.Err()
		}
		if late && batch != nil {
			if cur, err := s.app.Store.Batch(ctx, batch.ID); err == nil {
				batch = cur
			}
			return outcome{batch: batch}, nil
		}
	}
}

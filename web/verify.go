package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// Batch verification (批量核查) in the console and the API: a file of codes is spooled like an
// upload, verified in the background (app.Verify), its progress read from the job the
// service updates after every chunk, and its result file downloaded when done.

var verifyMessages = map[string][2]string{
	"console.checkbatches": {"批量核查", "Batch verification"},
	"verify.intro":         {"上传包含主体代码的 CSV 或 XLSX 文件（一列代码，表头可为 code、统一社会信用代码、身份证号；最多 100 万个），选择办理事项，系统逐个核查并生成结果文件（结论、所在名单、适用措施）。问题行在结果中注明原因。", "Upload a CSV or XLSX file of codes (one column; header code, 统一社会信用代码 or 身份证号; up to 1,000,000) and choose the matter: each code is checked and a result file gives the verdict, lists and measures. Broken rows carry their reason."},
	"verify.file":          {"代码文件", "File of codes"},
	"verify.submit":        {"开始核查", "Start"},
	"verify.jobs":          {"核查任务", "Jobs"},
	"verify.total":         {"已读", "Read"},
	"verify.done":          {"已核查", "Checked"},
	"verify.found":         {"在名单", "Listed"},
	"verify.bad":           {"问题行", "Bad rows"},
	"verify.download":      {"下载结果", "Download result"},
	"verify.running":       {"进行中", "Running"},
	"verify.finished":      {"完成", "Done"},
	"verify.failed":        {"失败", "Failed"},
	"verify.none":          {"尚无批量核查。", "No batch verifications yet."},
}

func init() {
	addMessages(verifyMessages)
	// The console's form brings its CSRF token ahead of the file (receiveCodes checks it).
	multipartCSRF["POST /console/check-batches"] = true
}

// receiveCodes spools a file of codes: the raw body with ?matter=&filename= (API), or a
// multipart form with csrf_token and matter ahead of the file (console).
func (s *Server) receiveCodes(w http.ResponseWriter, r *http.Request) (*upload, string, error) {
	q := r.URL.Query()
	u := &upload{FileName: cleanFileName(q.Get("filename")), Format: format.Format(q.Get("format")), by: principal(r)}
	matter := q.Get("matter")
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := s.spool(u, r.Body); err != nil {
			return nil, "", err
		}
		return u, matter, nil
	}
	st := state(r)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", credit.Errorf(credit.EINVALID, "无法读取上传表单 / cannot read the multipart form: %v", err)
	}
	fail := func(err error) (*upload, string, error) { u.remove(); return nil, "", err }
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(uploadReadError(err))
		}
		switch part.FormName() {
		case "file":
			if st.csrfPending && !st.csrfOK {
				return fail(auth.ErrCSRF)
			}
			if u.path != "" {
				return fail(credit.Errorf(credit.EINVALID, "一次只能上传一个文件 / upload one file at a time"))
			}
			if fn := cleanFileName(part.FileName()); fn != "" {
				u.FileName = fn
			}
			if err := s.spool(u, part); err != nil {
				return fail(err)
			}
		case csrfField, "matter":
			b, err := io.ReadAll(io.LimitReader(part, 4<<10))
			if err != nil {
				return fail(uploadReadError(err))
			}
			if part.FormName() == "matter" {
				matter = strings.TrimSpace(string(b))
			} else if st.csrfPending {
				if err := s.checkFormCSRF(r, strings.TrimSpace(string(b))); err != nil {
					return fail(err)
				}
			}
		}
	}
	if st.csrfPending && !st.csrfOK {
		return fail(auth.ErrCSRF)
	}
	if u.path == "" {
		return nil, "", &credit.Error{Code: credit.EINVALID, Field: "file", Rule: credit.RuleRequired, Message: "请选择要上传的文件 / no file was uploaded"}
	}
	return u, matter, nil
}

// startVerify checks the matter, then runs the verification in the background; it returns the
// job once stored, or the error that stopped it before.
func (s *Server) startVerify(u *upload, matter string) (*store.CheckBatch, error) {
	if c, err := s.app.Joint(s.bg); err != nil {
		u.remove()
		return nil, err
	} else if _, ok := c.Matter(matter); !ok {
		u.remove()
		return nil, &credit.Error{Code: credit.EINVALID, Field: "matter", Rule: credit.RuleEnum, Message: "未知的办理事项 / unknown matter: " + matter}
	}
	name := u.FileName
	if name == "" {
		name = "codes.csv"
	}
	out, err := os.CreateTemp(filepath.Dir(u.path), "verify-*.csv")
	if err != nil {
		u.remove()
		return nil, err
	}
	started := make(chan *store.CheckBatch, 1)
	failed := make(chan error, 1)
	s.importsWG.Add(1)
	go func() {
		defer s.importsWG.Done()
		defer u.remove()
		b, err := s.app.Verify(s.bg, u.by, app.VerifyRequest{Path: u.path, FileName: name, Format: u.Format, Matter: matter,
			Out: out, ResultPath: out.Name(), OnStart: func(b *store.CheckBatch) { started <- b }}, nil)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.log.Warn("batch verification", "err", err)
			if b == nil {
				_ = os.Remove(out.Name())
				failed <- err
			}
		}
	}()
	select {
	case b := <-started:
		return b, nil
	case err := <-failed:
		return nil, err
	}
}

// ownBatch loads a job for p: its department's (the admin's: every one).
func (s *Server) ownBatch(r *http.Request) (*store.CheckBatch, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	b, err := s.app.Store.CheckBatch(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if p := principal(r); !p.Has(auth.RoleAdmin) && b.Dept != p.Dept {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的批量核查 / only your department's batch verifications")
	}
	return b, nil
}

// apiStartVerify answers POST /api/v1/check-batches?matter=&filename=: 202 with the job.
func (s *Server) apiStartVerify(w http.ResponseWriter, r *http.Request) {
	u, matter, err := s.receiveCodes(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := s.startVerify(u, matter)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/check-batches/%d", b.ID))
	writeJSON(w, http.StatusAccepted, b)
}

// apiCheckBatch answers GET /api/v1/check-batches/{id}: the job and its progress.
func (s *Server) apiCheckBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.ownBatch(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// checkBatchResult serves a finished job's result file (CSV), logged in the query log.
func (s *Server) checkBatchResult(w http.ResponseWriter, r *http.Request, fail func(http.ResponseWriter, *http.Request, error)) {
	b, err := s.ownBatch(r)
	if err == nil && b.Status != store.CheckBatchDone {
		err = credit.Errorf(credit.ECONFLICT, "核查尚未完成 / the verification has not finished")
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	f, err := os.Open(b.Result) // #nosec G304 -- a path this server created (startVerify) and stored with the job
	if err != nil {
		fail(w, r, credit.Errorf(credit.ENOTFOUND, "结果文件已不存在 / the result file is gone"))
		return
	}
	defer f.Close()
	st := state(r)
	if err := s.app.LogQuery(r.Context(), principal(r), "批量核查结果 / batch verification result", "", st.pattern,
		fmt.Sprintf("check_batch:%d codes:%d", b.ID, b.Total), clientIP(r)); err != nil {
		fail(w, r, err)
		return
	}
	st.logged = true
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="verify-%d.csv"`, b.ID))
	_, _ = io.Copy(w, f)
}

func (s *Server) apiCheckBatchResult(w http.ResponseWriter, r *http.Request) {
	s.checkBatchResult(w, r, s.apiError)
}

func (s *Server) consoleCheckBatchResult(w http.ResponseWriter, r *http.Request) {
	s.checkBatchResult(w, r, s.pageError)
}

type checkBatchesPage struct {
	base
	Matters []*credit.Matter
	Batches []*store.CheckBatch
	Error   string
}

func (s *Server) renderCheckBatches(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := checkBatchesPage{base: s.consoleBase(w, r, "console.checkbatches"), Error: msg}
	c, err := s.app.Joint(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Matters = c.Matters
	dept := principal(r).Dept
	if principal(r).Has(auth.RoleAdmin) {
		dept = ""
	}
	if p.Batches, err = s.app.Store.CheckBatches(r.Context(), dept, 20); err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, b := range p.Batches {
		if b.Status == store.CheckBatchRunning {
			p.Refresh = true // the page reloads itself while a job runs: progress without JavaScript
		}
	}
	s.render(w, r, status, "check_batches", p)
}

// consoleCheckBatches shows the upload form and the jobs with their progress.
func (s *Server) consoleCheckBatches(w http.ResponseWriter, r *http.Request) {
	s.renderCheckBatches(w, r, http.StatusOK, "")
}

// consoleStartVerify starts a verification from the form.
func (s *Server) consoleStartVerify(w http.ResponseWriter, r *http.Request) {
	u, matter, err := s.receiveCodes(w, r)
	if err == nil {
		_, err = s.startVerify(u, matter)
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) { s.renderCheckBatches(w, r, status, msg) })
		return
	}
	http.Redirect(w, r, "/console/check-batches", http.StatusSeeOther)
}

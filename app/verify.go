package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// Batch verification (批量核查): a file of up to MaxVerifyCodes codes for one matter comes back
// as a file with the verdict and the measures per code. The codes are read with the importer's
// streaming readers (CSV in UTF-8 or GB18030, XLSX, JSON Lines), resolved and decided in
// chunks (one indexed IN look-up of entries per chunk), and written as they go. A broken row or
// an invalid code gets its reason in the result, never a silent skip. The job is logged with
// its counts (check_batches) and every code that met a measure is logged as a check of the
// batch, so the statistics count it; one audit entry records the run.

// MaxVerifyCodes is the most codes one batch verification reads.
const MaxVerifyCodes = 1_000_000

// verifyChunk is how many codes are resolved and decided together.
const verifyChunk = 5000

// codeColumns are header names taken as the code column (else the first column).
var codeColumns = []string{"subject_code", "code", "统一社会信用代码", "主体代码", "代码", "身份证号", "证件号码"}

// VerifyRequest is one batch verification.
type VerifyRequest struct {
	Path      string        // the uploaded file
	FileName  string        // as the user named it
	Format    format.Format // of the input; "" = detect from the name
	Matter    string
	Out       io.Writer     // the result file
	OutFormat format.Format // csv (default) or xlsx
	// ResultPath is where Out is kept, recorded with the job for the download (web).
	ResultPath string
	// OnStart, when set, is called with the job once it is stored (its ID known).
	OnStart func(*store.CheckBatch)
}

// VerifyHeader is the result file's header.
var VerifyHeader = []string{"行号 row", "代码 code", "结论 verdict", "所在名单 lists", "适用措施 measures", "说明 note"}

// Verify runs a batch verification for p. progress, when set, is called after each chunk with
// the job's counts.
func (a *App) Verify(ctx context.Context, p *auth.Principal, req VerifyRequest, progress func(*store.CheckBatch)) (*store.CheckBatch, error) {
	if p == nil {
		return nil, auth.ErrSignIn
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	matter, ok := c.Matter(strings.TrimSpace(req.Matter))
	if !ok {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "matter", Rule: credit.RuleEnum,
			Message: "未知的办理事项 / unknown matter: " + req.Matter}
	}
	f := req.Format
	if f == "" {
		f = format.Detect(req.FileName, nil)
	}
	r, err := format.Open(req.Path, format.Options{Format: f})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	col := 0
	for i, h := range r.Header() {
		if slices.Contains(codeColumns, strings.ToLower(strings.TrimSpace(h))) {
			col = i
			break
		}
	}
	of := req.OutFormat
	if of == "" {
		of = format.CSV
	}
	w, err := format.NewWriter(req.Out, of, format.UTF8, VerifyHeader)
	if err != nil {
		return nil, err
	}
	b := &store.CheckBatch{Matter: matter.Code, Actor: actorName(p), Dept: p.Dept, FileName: req.FileName, Format: string(f),
		Status: store.CheckBatchRunning, CreatedAt: a.Now().UTC(), Result: req.ResultPath}
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.InsertCheckBatch(b) }); err != nil {
		return nil, err
	}
	if req.OnStart != nil {
		cp := *b
		req.OnStart(&cp)
	}
	exc, err := a.codeExceptions(ctx)
	if err != nil {
		return nil, err
	}
	v := &verifier{a: a, c: c, matter: matter, p: p, b: b, w: w, exc: exc}
	runErr := func() error {
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if b.Total >= MaxVerifyCodes {
				return credit.Errorf(credit.ETOOLARGE, "一次最多核查 %d 个代码 / at most %d codes per file", MaxVerifyCodes, MaxVerifyCodes)
			}
			b.Total++
			if row.Err != nil {
				v.rows = append(v.rows, vrow{num: row.Num, bad: credit.ErrorMessage(row.Err)})
			} else {
				code := ""
				if col < len(row.Values) {
					code = row.Values[col]
				}
				v.rows = append(v.rows, vrow{num: row.Num, code: code})
			}
			if len(v.rows) == verifyChunk {
				if err := v.flush(ctx); err != nil {
					return err
				}
				if progress != nil {
					progress(b)
				}
			}
		}
		if err := v.flush(ctx); err != nil {
			return err
		}
		if err := v.wait(); err != nil {
			return err
		}
		return w.Close()
	}()
	if err := v.wait(); runErr == nil {
		runErr = err
	}
	b.Status, b.FinishedAt = store.CheckBatchDone, a.Now().UTC()
	if runErr != nil {
		b.Status, b.Error = store.CheckBatchFailed, credit.ErrorMessage(runErr)
	}
	if progress != nil {
		progress(b)
	}
	err = a.update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := tx.UpdateCheckBatch(b); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), ActionCheckBatch, fmt.Sprintf("check_batch:%d", b.ID), map[string]any{
			"matter": b.Matter, "file_name": b.FileName, "status": b.Status, "codes": b.Total, "found": b.Found,
			"blocked": b.Blocked, "warned": b.Warned, "bad_rows": b.BadRows})
	})
	return b, errors.Join(runErr, err)
}

type vrow struct {
	num  int
	code string
	bad  string // a broken row's reason
}

type verifier struct {
	a      *App
	c      *credit.JointCatalog
	matter *credit.Matter
	p      *auth.Principal
	b      *store.CheckBatch
	w      format.Writer
	exc    map[string]bool
	rows   []vrow
	// pending is the result of the chunk commit in flight (nil: none).
	pending chan error
}

// flush resolves, decides, writes and logs the pending rows.
func (v *verifier) flush(ctx context.Context) error {
	if len(v.rows) == 0 {
		return nil
	}
	a := v.a
	keys := make([]string, len(v.rows))
	crs := make([]credit.CodeResult, len(v.rows))
	var want []string
	for i, r := range v.rows {
		if r.bad != "" || r.code == "" {
			continue
		}
		cr, key, err := a.resolveKey(ctx, r.code, v.exc)
		if err != nil {
			return err
		}
		crs[i], keys[i] = cr, key
		if key != "" {
			want = append(want, key)
		}
	}
	entries, err := a.Store.EntriesOfSubjects(ctx, want, credit.EntryPublished)
	if err != nil {
		return err
	}
	lists := v.c.ListMap()
	now := a.Now()
	var logs []*store.Check
	for i, r := range v.rows {
		code := r.code
		if crs[i].Type == credit.CodeResidentID {
			code = credit.MaskID(crs[i].Canonical)
		}
		var out []string
		switch {
		case r.bad != "":
			v.b.BadRows++
			out = []string{fmt.Sprint(r.num), "", "error", "", "", r.bad}
		case r.code == "":
			v.b.BadRows++
			out = []string{fmt.Sprint(r.num), "", "error", "", "", "代码为空 / empty code"}
		case keys[i] == "":
			v.b.BadRows++
			out = []string{fmt.Sprint(r.num), maskIfID(r.code), "invalid", "", "", crs[i].Reason}
		default:
			es := entries[keys[i]]
			ms := make([]credit.Membership, len(es))
			var ls []string
			for j, e := range es {
				ms[j] = credit.Membership{Entry: e}
				if e.InForce(now) {
					name := e.List
					if lt := lists[e.List]; lt != nil {
						name = lt.NameZH
					}
					ls = append(ls, name)
				}
			}
			d := credit.Decide(ms, v.matter.Code, v.c.Measures, lists, now)
			var mc []string
			for _, am := range d.Applied {
				mc = append(mc, am.Measure.Code+" "+am.Measure.NameZH)
			}
			if len(ls) > 0 {
				v.b.Found++
			}
			switch d.Verdict {
			case credit.VerdictBlock:
				v.b.Blocked++
			case credit.VerdictWarn:
				v.b.Warned++
			}
			out = []string{fmt.Sprint(r.num), code, string(d.Verdict), strings.Join(ls, "；"), strings.Join(mc, "；"), strings.Join(d.Reasons, "；")}
			if len(d.Applied) > 0 {
				chk := &store.Check{At: now.UTC(), Actor: actorName(v.p), Dept: v.p.Dept, Matter: v.matter.Code, SubjectKey: keys[i],
					Verdict: d.Verdict, BatchID: v.b.ID}
				for _, am := range d.Applied {
					chk.Measures = append(chk.Measures, store.CheckMeasure{Measure: am.Measure.Code, Dept: am.Measure.Dept,
						Direction: am.Measure.Direction, Effect: am.Measure.Effect, Mandatory: am.Measure.Mandatory,
						EntryID: am.Entry.ID, List: am.Entry.List, Pending: am.Pending != ""})
				}
				logs = append(logs, chk)
			}
		}
		if err := v.w.Write(out); err != nil {
			return err
		}
	}
	v.b.Done += int64(len(v.rows))
	v.rows = v.rows[:0]
	// The chunk's checks are committed while the next chunk is read and decided (one commit
	// in flight at most); Verify waits for the last before it closes the result.
	if err := v.wait(); err != nil {
		return err
	}
	snap := *v.b
	done := make(chan error, 1)
	v.pending = done
	go func() {
		done <- a.Store.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertChecks(logs); err != nil {
				return err
			}
			return tx.UpdateCheckBatch(&snap)
		})
	}()
	return nil
}

// wait returns once the commit in flight (if any) is done, with its error.
func (v *verifier) wait() error {
	if v.pending == nil {
		return nil
	}
	err := <-v.pending
	v.pending = nil
	return err
}

// maskIfID masks what looks like a resident ID (an invalid one too) before it is echoed.
func maskIfID(s string) string {
	n := credit.NormalizeCode(s)
	if len(n) == 18 && n[0] >= '1' && n[0] <= '9' && strings.IndexFunc(n[:17], func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return credit.MaskID(n)
	}
	return s
}

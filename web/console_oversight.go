package web

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Oversight pages (审计): the query log (查询使用登记) and the audit trail (审计日志), for
// auditors and the credit office, read-only. Dates are days in China Standard Time.

// queryLogPageSize is how many query-log entries a page shows.
const queryLogPageSize = 50

// auditLatest is how many of the newest audit entries the audit page shows.
const auditLatest = 50

// anchorDays is how many daily anchors the audit page shows, today's first.
const anchorDays = 7

// queryLogSearch is the query-log search form as asked.
type queryLogSearch struct {
	Subject, Actor, From, To string
}

// values is the search as query parameters (empty fields left out).
func (q queryLogSearch) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"subject": q.Subject, "actor": q.Actor, "from": q.From, "to": q.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// parseDay reads a form's date (YYYY-MM-DD) as the start of that day in China Standard Time.
func parseDay(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, displayZone)
	if err != nil {
		return time.Time{}, &credit.Error{Code: credit.EINVALID, Field: field, Rule: credit.RuleDate,
			Message: "日期格式应为 2026-06-15 / the date must look like 2026-06-15"}
	}
	return t, nil
}

// queryLogFilter reads the search of a query-log request: the subject as a code (any code
// App.SubjectKeyOf knows, a resident ID among them: the log keeps its keyed hash), the actor
// as the log names it ("user:12"), and a range of days, both inclusive.
func (s *Server) queryLogFilter(r *http.Request) (queryLogSearch, store.QueryLogFilter, error) {
	q := r.URL.Query()
	in := queryLogSearch{Subject: strings.TrimSpace(q.Get("subject")), Actor: strings.TrimSpace(q.Get("actor")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	var f store.QueryLogFilter
	if in.Subject != "" {
		key, err := s.app.SubjectKeyOf(r.Context(), in.Subject)
		if err != nil {
			if credit.ErrorCode(err) == credit.ENOTFOUND {
				err = &credit.Error{Code: credit.EINVALID, Field: "subject", Rule: credit.RuleCode,
					Message: "本平台没有该代码对应的主体 / no subject on the platform has this code"}
			}
			return in, f, err
		}
		f.SubjectKey = key
	}
	if len(in.Actor) > 100 {
		return in, f, invalidParam("actor", "查询人过长", "the actor is too long")
	}
	f.Actor = in.Actor
	if in.From != "" {
		t, err := parseDay("from", in.From)
		if err != nil {
			return in, f, err
		}
		f.From = t
	}
	if in.To != "" {
		t, err := parseDay("to", in.To)
		if err != nil {
			return in, f, err
		}
		f.To = t.AddDate(0, 0, 1) // the store's To is exclusive
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return in, f, invalidParam("to", "结束日期早于开始日期", "the end date is before the start date")
	}
	return in, f, nil
}

type queryLogPage struct {
	base
	Search      queryLogSearch
	Entries     []*store.QueryLog
	More        bool
	NextURL     string
	ExportCSV   string
	ExportJSONL string
	Error       string
}

// consoleQueryLog searches the query log, newest first, a page at a time (?after= the last
// entry's id of the page before): an auditor opens it on today's reads, not the first year's.
func (s *Server) consoleQueryLog(w http.ResponseWriter, r *http.Request) {
	p := queryLogPage{base: s.consoleBase(w, r, "console.querylog")}
	in, f, err := s.queryLogFilter(r)
	p.Search = in
	if err == nil {
		if a := r.URL.Query().Get("after"); a != "" {
			f.AfterID, err = strconv.ParseInt(a, 10, 64)
			if err != nil || f.AfterID < 0 {
				err = invalidParam("after", "分页参数无效", "invalid page parameter")
			}
		}
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p.Error = msg
			s.render(w, r, status, "querylog", p)
		})
		return
	}
	f.Limit, f.Newest = queryLogPageSize+1, true
	err = s.app.QueryLogs(r.Context(), f, func(q *store.QueryLog) error {
		p.Entries = append(p.Entries, q)
		return nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := in.values()
	if len(p.Entries) > queryLogPageSize {
		p.Entries, p.More = p.Entries[:queryLogPageSize], true
		next := in.values()
		next.Set("after", strconv.FormatInt(p.Entries[queryLogPageSize-1].ID, 10))
		p.NextURL = "/console/querylog?" + next.Encode()
	}
	v.Set("format", "csv")
	p.ExportCSV = "/console/querylog/export?" + v.Encode()
	v.Set("format", "jsonl")
	p.ExportJSONL = "/console/querylog/export?" + v.Encode()
	s.render(w, r, http.StatusOK, "querylog", p)
}

// consoleQueryLogExport downloads the entries matching the search, as CSV (UTF-8 with a byte
// order mark, so spreadsheet programs read the Chinese) or JSON Lines (App.ExportQueryLogs).
func (s *Server) consoleQueryLogExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "jsonl" {
		s.pageError(w, r, invalidParam("format", "导出格式须为 csv 或 jsonl", "the format must be csv or jsonl"))
		return
	}
	_, f, err := s.queryLogFilter(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="querylog-%s.%s"`, s.app.Now().In(displayZone).Format("20060102"), format))
	if format == "jsonl" {
		h.Set("Content-Type", "application/jsonl; charset=utf-8")
		if _, err := s.app.ExportQueryLogs(r.Context(), w, f); err != nil {
			s.log.Error("query log export", "err", err) // the response has begun: it ends cut off
		}
		return
	}
	h.Set("Content-Type", "text/csv; charset=utf-8")
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{"id", "at", "actor", "dept", "purpose", "subject_key", "route", "returned", "remote_addr"})
	err = s.app.QueryLogs(r.Context(), f, func(q *store.QueryLog) error {
		return cw.Write([]string{strconv.FormatInt(q.ID, 10), q.At.In(displayZone).Format(time.RFC3339), cell(q.Actor), cell(q.Dept),
			cell(q.Purpose), cell(q.SubjectKey), cell(q.Route), cell(q.Returned), cell(q.RemoteAddr)})
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.log.Error("query log export", "err", err)
	}
}

// cell keeps a text cell of a CSV export from being read as a formula by a spreadsheet
// program (a purpose typed as "=HYPERLINK(…)"): such a cell gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// anchorRow is one day's anchor on the audit page.
type anchorRow struct {
	Day    string
	Seq    int64
	Anchor string
}

type auditPage struct {
	base
	Checked  int64
	OK       bool
	BrokenAt int64
	Broken   string
	HeadSeq  int64
	HeadHash string
	Anchors  []anchorRow
	Entries  []*audit.Entry // newest first
}

// consoleAudit shows the state of the audit chain as `xinyong audit verify` computes it, the
// daily anchors of the last week (to compare with those published), and the newest entries.
func (s *Server) consoleAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auditPage{base: s.consoleBase(w, r, "console.audit")}
	var err error
	if p.HeadSeq, p.HeadHash, err = s.app.Store.AuditHead(ctx); err != nil {
		s.pageError(w, r, err)
		return
	}
	checked, brokenAt, err := s.app.VerifyAudit(ctx)
	var be *audit.BreakError
	switch {
	case errors.As(err, &be):
		p.Broken = be.Error()
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	p.Checked, p.BrokenAt, p.OK = checked, brokenAt, brokenAt == 0 && err == nil
	today := s.app.Now().In(displayZone)
	for i := range anchorDays {
		day := today.AddDate(0, 0, -i)
		seq, anchor, err := s.app.AuditAnchor(ctx, day, displayZone)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Anchors = append(p.Anchors, anchorRow{Day: day.Format(time.DateOnly), Seq: seq, Anchor: anchor})
	}
	from := max(p.HeadSeq-auditLatest+1, 1)
	err = s.app.Store.AuditEntries(ctx, from, func(e *audit.Entry) error {
		p.Entries = append(p.Entries, e)
		return nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for i, j := 0, len(p.Entries)-1; i < j; i, j = i+1, j-1 {
		p.Entries[i], p.Entries[j] = p.Entries[j], p.Entries[i]
	}
	s.render(w, r, http.StatusOK, "audit", p)
}

// consoleAuditExport downloads the audit trail as JSON Lines (App.ExportAudit), from ?from=
// on, in the form `xinyong audit verify --file` checks.
func (s *Server) consoleAuditExport(w http.ResponseWriter, r *http.Request) {
	from := int64(1)
	if v := r.URL.Query().Get("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.pageError(w, r, invalidParam("from", "起始序号须为正整数", "from must be a positive whole number"))
			return
		}
		from = n
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.jsonl"`, s.app.Now().In(displayZone).Format("20060102")))
	if _, err := s.app.ExportAudit(r.Context(), w, from); err != nil {
		s.log.Error("audit export", "err", err) // the response has begun: it ends cut off
	}
}

package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Limits of a query-log entry's free-text fields, in bytes.
const (
	maxRouteLen    = 256
	maxReturnedLen = 512
)

// LogQuery enters one read of personal or non-public information in the query log
// (查询使用登记): who (p; nil is the anonymous public), for which purpose (the administrative
// matter, checked with auth.CleanPurpose), about which subject (its key: the unified code, or
// for a person the keyed hash, never the resident ID), on which route, what was returned
// ("records:admin_penalty×3") and from where. The read must not be served when this fails.
func (a *App) LogQuery(ctx context.Context, p *auth.Principal, purpose, subjectKey, route, returned, remoteAddr string) error {
	purpose, err := auth.CleanPurpose(purpose)
	if err != nil {
		return err
	}
	q := &store.QueryLog{At: a.Now().UTC(), Actor: p.Actor(), Purpose: purpose, SubjectKey: subjectKey,
		Route: cut(route, maxRouteLen), Returned: cut(returned, maxReturnedLen), RemoteAddr: cut(remoteAddr, maxRemoteLen)}
	if p != nil {
		q.Dept = p.Dept
	}
	return a.Store.Update(ctx, func(tx store.Tx) error { return tx.AppendQueryLog(q) })
}

// QueryLogs calls fn for each query-log entry matching f, oldest first (for auditors).
func (a *App) QueryLogs(ctx context.Context, f store.QueryLogFilter, fn func(*store.QueryLog) error) error {
	return a.Store.QueryLogs(ctx, f, fn)
}

// OwnQueryLogs calls fn for each read of p's own record that f selects (oldest first, newest
// first with f.Newest): what a subject signed in to self-service sees of who looked at it. Any
// other principal is refused.
func (a *App) OwnQueryLogs(ctx context.Context, p *auth.Principal, f store.QueryLogFilter, fn func(*store.QueryLog) error) error {
	if p == nil || p.Kind != auth.KindSubject || p.SubjectKey == "" {
		return credit.Errorf(credit.EFORBIDDEN, "只有信用主体本人可以查看自己的被查询记录 / only the subject itself may see who read its record")
	}
	f.SubjectKey, f.Actor = p.SubjectKey, ""
	return a.Store.QueryLogs(ctx, f, fn)
}

// QueryLogLine is one line of a query-log export: the entry with its subject key, which the
// store's JSON form leaves out.
type QueryLogLine struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Dept       string    `json:"dept"`
	Purpose    string    `json:"purpose"`
	SubjectKey string    `json:"subject_key"`
	Route      string    `json:"route"`
	Returned   string    `json:"returned"`
	RemoteAddr string    `json:"remote_addr"`
}

// ExportQueryLogs writes the entries matching f to w as JSON Lines, oldest first, for
// auditors, and returns how many it wrote. A person's subject key is the keyed hash, so the
// export carries no resident ID.
func (a *App) ExportQueryLogs(ctx context.Context, w io.Writer, f store.QueryLogFilter) (int64, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var n int64
	err := a.Store.QueryLogs(ctx, f, func(q *store.QueryLog) error {
		n++
		return enc.Encode(QueryLogLine{ID: q.ID, At: q.At, Actor: q.Actor, Dept: q.Dept, Purpose: q.Purpose,
			SubjectKey: q.SubjectKey, Route: q.Route, Returned: q.Returned, RemoteAddr: q.RemoteAddr})
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// SubjectKeyOf returns the subject key a code stands for, as the query log and the store keep
// it: the canonical unified code, the keyed hash of a resident ID, or for a legacy code the
// key of the subject it was converted to.
func (a *App) SubjectKeyOf(ctx context.Context, code string) (string, error) {
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return "", err
	}
	if !cr.Valid {
		return "", &credit.Error{Code: credit.EINVALID, Field: "subject", Rule: credit.RuleCode, Message: cr.Reason}
	}
	switch cr.Type {
	case credit.CodeUSCC:
		return cr.Canonical, nil
	case credit.CodeResidentID:
		return a.Sealer.PersonKey(cr.Canonical), nil
	}
	s, err := a.Store.SubjectByAlias(ctx, cr.Canonical)
	if err != nil {
		return "", err
	}
	return s.Key, nil
}

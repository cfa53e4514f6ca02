package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Accounts (store.Accounts, store.AccountsTx): departments, users, sessions, login failures,
// API tokens, the query log and the audit trail, in the tables of migration 0003_accounts.sql;
// subjects' credentials and one-time codes in those of 0005_subject_accounts.sql.
// Times are kept to the second, as everywhere in this store; audit entries to the microsecond.

func (r reader) Departments(ctx context.Context) ([]store.Department, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT code, name_zh, name_en, level, parent, disabled, created_at FROM departments ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Department
	for rows.Next() {
		var d store.Department
		var at sql.NullInt64
		if err := rows.Scan(&d.Code, &d.NameZH, &d.NameEN, &d.Level, &d.Parent, &d.Disabled, &at); err != nil {
			return nil, err
		}
		d.CreatedAt = fromUnix(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

const userCols = `id, username, name, dept, roles, password_hash, disabled, created_at, password_changed_at`

func scanUser(sc interface{ Scan(...any) error }) (*store.User, error) {
	var u store.User
	var roles string
	var created, changed sql.NullInt64
	if err := sc.Scan(&u.ID, &u.Username, &u.Name, &u.Dept, &roles, &u.PasswordHash, &u.Disabled, &created, &changed); err != nil {
		return nil, err
	}
	for _, r := range splitList(roles) {
		u.Roles = append(u.Roles, auth.Role(r))
	}
	u.CreatedAt, u.PasswordChangedAt = fromUnix(created), fromUnix(changed)
	return &u, nil
}

func joinRoles(roles []auth.Role) string {
	l := make([]string, len(roles))
	for i, r := range roles {
		l[i] = string(r)
	}
	return joinList(l)
}

func (r reader) UserByName(ctx context.Context, username string) (*store.User, error) {
	u, err := scanUser(r.q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, strings.ToLower(username)))
	return u, notFound("用户", "user", err)
}

func (r reader) UserByID(ctx context.Context, id int64) (*store.User, error) {
	u, err := scanUser(r.q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	return u, notFound("用户", "user", err)
}

func (r reader) Users(ctx context.Context, dept string) ([]*store.User, error) {
	q, args := `SELECT `+userCols+` FROM users`, []any{}
	if dept != "" {
		q += ` WHERE dept = ?`
		args = append(args, dept)
	}
	rows, err := r.q.QueryContext(ctx, q+` ORDER BY username`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (r reader) SessionByKey(ctx context.Context, key string) (*store.Session, error) {
	s := store.Session{Key: key}
	var created, seen sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT user_id, subject_key, created_at, last_seen_at, remote_addr, user_agent FROM sessions WHERE key = ?`, key).
		Scan(&s.UserID, &s.SubjectKey, &created, &seen, &s.RemoteAddr, &s.UserAgent)
	if err != nil {
		return nil, notFound("会话", "session", err)
	}
	s.CreatedAt, s.LastSeenAt = fromUnix(created), fromUnix(seen)
	return &s, nil
}

// #nosec G101 -- a list of column names, not a credential
const tokenCols = `id, dept, name, hash, scopes, expires_at, revoked_at, created_by, created_at, last_used_at`

func scanToken(sc interface{ Scan(...any) error }) (*auth.Token, error) {
	var t auth.Token
	var scopes string
	var expires, revoked, created, used sql.NullInt64
	if err := sc.Scan(&t.ID, &t.Dept, &t.Name, &t.Hash, &scopes, &expires, &revoked, &t.CreatedBy, &created, &used); err != nil {
		return nil, err
	}
	for _, s := range splitList(scopes) {
		t.Scopes = append(t.Scopes, auth.Scope(s))
	}
	t.ExpiresAt, t.RevokedAt, t.CreatedAt, t.LastUsedAt = fromUnix(expires), fromUnix(revoked), fromUnix(created), fromUnix(used)
	return &t, nil
}

func joinScopes(scopes []auth.Scope) string {
	l := make([]string, len(scopes))
	for i, s := range scopes {
		l[i] = string(s)
	}
	return joinList(l)
}

func (r reader) TokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	t, err := scanToken(r.q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	return t, notFound("令牌", "token", err)
}

func (r reader) Tokens(ctx context.Context, dept string) ([]*auth.Token, error) {
	q, args := `SELECT `+tokenCols+` FROM api_tokens`, []any{}
	if dept != "" {
		q += ` WHERE dept = ?`
		args = append(args, dept)
	}
	rows, err := r.q.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (r reader) LoginFailures(ctx context.Context, username string, since time.Time) ([]time.Time, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT at FROM login_failures WHERE username = ? AND at >= ? ORDER BY at`,
		strings.ToLower(username), since.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at sql.NullInt64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, fromUnix(at))
	}
	return out, rows.Err()
}

// queryLogWhere returns the conditions of f on an entry's actor and time (each starting with
// AND) and their arguments.
func queryLogWhere(f store.QueryLogFilter) (string, []any) {
	var where string
	var args []any
	if f.Actor != "" {
		where += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if !f.From.IsZero() {
		where += ` AND at >= ?`
		args = append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		where += ` AND at < ?`
		args = append(args, f.To.Unix())
	}
	return where, args
}

// subjectPart is the condition on a subject's entries in one part of the subject index
// (store.QueryLogPartBits); its arguments are the part and the subject key.
var subjectPart = `id >> ` + strconv.Itoa(store.QueryLogPartBits) + ` = ? AND subject_key = ?`

// maxQueryLogID is the highest id in the query log (0 when empty).
func (r reader) maxQueryLogID(ctx context.Context) (int64, error) {
	var maxID sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT max(id) FROM query_log`).Scan(&maxID)
	return maxID.Int64, err
}

// QueryLogs compares times at the store's precision: From and To are truncated to the second,
// as the stored times are. A subject's entries are read part by part of the subject index
// (store.QueryLogPartBits).
func (r reader) QueryLogs(ctx context.Context, f store.QueryLogFilter, fn func(*store.QueryLog) error) error {
	where, args := queryLogWhere(f)
	// The id bound: after AfterID in the order asked.
	bound, after, order := `id > ?`, f.AfterID, ` ORDER BY id`
	if f.Newest {
		bound, order = `id < ?`, ` ORDER BY id DESC`
		if after <= 0 {
			after = math.MaxInt64
		}
	}
	const cols = `SELECT id, at, actor, dept, purpose, subject_key, route, returned, remote_addr FROM query_log WHERE `
	if f.SubjectKey == "" {
		return r.queryLogs(ctx, cols+bound+where+order, append([]any{after}, args...), f.Limit, fn)
	}
	maxID, err := r.maxQueryLogID(ctx)
	if err != nil {
		return err
	}
	q := cols + subjectPart + ` AND ` + bound + where + order
	return store.SubjectQueryLogParts(f, maxID, func(part int64, limit int) (int, error) {
		n := 0
		err := r.queryLogs(ctx, q, append([]any{part, f.SubjectKey, after}, args...), limit, func(l *store.QueryLog) error {
			n++
			return fn(l)
		})
		return n, err
	})
}

// CountQueryLogs implements store.Accounts; a subject's entries are counted part by part.
func (r reader) CountQueryLogs(ctx context.Context, f store.QueryLogFilter) (int64, error) {
	where, args := queryLogWhere(f)
	var total int64
	count := func(q string, args ...any) error {
		var n int64
		err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM query_log WHERE `+q, args...).Scan(&n)
		total += n
		return err
	}
	if f.SubjectKey == "" {
		return total, count(`1 = 1`+where, args...)
	}
	maxID, err := r.maxQueryLogID(ctx)
	if err != nil {
		return 0, err
	}
	err = store.SubjectQueryLogParts(store.QueryLogFilter{SubjectKey: f.SubjectKey}, maxID, func(part int64, _ int) (int, error) {
		return 0, count(subjectPart+where, append([]any{part, f.SubjectKey}, args...)...)
	})
	return total, err
}

// queryLogs hands fn the entries q (a query-log SELECT with its order) finds, at most limit of
// them (0: all).
func (r reader) queryLogs(ctx context.Context, q string, args []any, limit int, fn func(*store.QueryLog) error) error {
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l store.QueryLog
		var at sql.NullInt64
		if err := rows.Scan(&l.ID, &at, &l.Actor, &l.Dept, &l.Purpose, &l.SubjectKey, &l.Route, &l.Returned, &l.RemoteAddr); err != nil {
			return err
		}
		l.At = fromUnix(at)
		if err := fn(&l); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r reader) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := r.q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

func (r reader) AuditEntries(ctx context.Context, from int64, fn func(*audit.Entry) error) error {
	rows, err := r.q.QueryContext(ctx, `SELECT seq, at, actor, action, object, detail, prev, hash FROM audit_log WHERE seq >= ? ORDER BY seq`, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &detail, &e.Prev, &e.Hash); err != nil {
			return err
		}
		e.At = time.UnixMicro(at).UTC()
		if detail != "" {
			e.Detail = json.RawMessage(detail)
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *tx) PutDepartment(d store.Department) error {
	// An update keeps the department's creation time.
	return t.exec(`INSERT INTO departments (code, name_zh, name_en, level, parent, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, level = excluded.level,
		parent = excluded.parent, disabled = excluded.disabled`,
		d.Code, d.NameZH, d.NameEN, d.Level, d.Parent, d.Disabled, unix(d.CreatedAt))
}

// InsertUser lower-cases u.Username, as it is stored.
func (t *tx) InsertUser(u *store.User) error {
	u.Username = strings.ToLower(u.Username)
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO users (username, name, dept, roles, password_hash, disabled, created_at,
		password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.Name, u.Dept, joinRoles(u.Roles), u.PasswordHash, u.Disabled, unix(u.CreatedAt), unix(u.PasswordChangedAt))
	if err != nil {
		if isUnique(err) {
			return credit.Errorf(credit.ECONFLICT, "用户名 %s 已被使用 / user name %s is taken", u.Username, u.Username)
		}
		return err
	}
	u.ID, err = res.LastInsertId()
	return err
}

func (t *tx) UpdateUser(u *store.User) error {
	return t.one("用户", "user", `UPDATE users SET name = ?, dept = ?, roles = ?, password_hash = ?, disabled = ?, password_changed_at = ?
		WHERE id = ?`, u.Name, u.Dept, joinRoles(u.Roles), u.PasswordHash, u.Disabled, unix(u.PasswordChangedAt), u.ID)
}

// one runs an UPDATE meant to change one row: none is ENOTFOUND.
func (t *tx) one(zh, en, query string, args ...any) error {
	res, err := t.sq.ExecContext(t.ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return nil
}

func (t *tx) InsertSession(s *store.Session) error {
	err := t.exec(`INSERT INTO sessions (key, user_id, subject_key, created_at, last_seen_at, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.Key, s.UserID, s.SubjectKey, unix(s.CreatedAt), unix(s.LastSeenAt), s.RemoteAddr, s.UserAgent)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "会话已存在 / session exists")
	}
	return err
}

func (t *tx) TouchSession(key string, at time.Time) error {
	return t.one("会话", "session", `UPDATE sessions SET last_seen_at = ? WHERE key = ?`, unix(at), key)
}

// DeleteSession deletes a session; one already gone is no error (signing out twice is fine).
func (t *tx) DeleteSession(key string) error {
	return t.exec(`DELETE FROM sessions WHERE key = ?`, key)
}

func (t *tx) DeleteUserSessions(userID int64) error {
	return t.exec(`DELETE FROM sessions WHERE user_id = ?`, userID)
}

func (t *tx) AddLoginFailure(username string, at time.Time, remoteAddr string) error {
	return t.exec(`INSERT INTO login_failures (username, at, remote_addr) VALUES (?, ?, ?)`, strings.ToLower(username), unix(at), remoteAddr)
}

func (t *tx) ClearLoginFailures(username string, before time.Time) error {
	if before.IsZero() {
		return t.exec(`DELETE FROM login_failures WHERE username = ?`, strings.ToLower(username))
	}
	return t.exec(`DELETE FROM login_failures WHERE username = ? AND at < ?`, strings.ToLower(username), before.Unix())
}

func (t *tx) InsertToken(tk *auth.Token) error {
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO api_tokens (dept, name, hash, scopes, expires_at, revoked_at, created_by, created_at,
		last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.Dept, tk.Name, tk.Hash, joinScopes(tk.Scopes), unix(tk.ExpiresAt), unix(tk.RevokedAt), tk.CreatedBy, unix(tk.CreatedAt),
		unix(tk.LastUsedAt))
	if err != nil {
		if isUnique(err) {
			return credit.Errorf(credit.ECONFLICT, "令牌已存在 / token exists")
		}
		return err
	}
	tk.ID, err = res.LastInsertId()
	return err
}

func (t *tx) UpdateToken(tk *auth.Token) error {
	return t.one("令牌", "token", `UPDATE api_tokens SET revoked_at = ?, last_used_at = ? WHERE id = ?`,
		unix(tk.RevokedAt), unix(tk.LastUsedAt), tk.ID)
}

func (t *tx) AppendQueryLog(q *store.QueryLog) error {
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO query_log (at, actor, dept, purpose, subject_key, route, returned, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, unix(q.At), q.Actor, q.Dept, q.Purpose, q.SubjectKey, q.Route, q.Returned, q.RemoteAddr)
	if err != nil {
		return err
	}
	q.ID, err = res.LastInsertId()
	return err
}

// AppendAudit checks e against the head read in this transaction; the single writer
// connection serialises appends, so nothing can slip in between.
func (t *tx) AppendAudit(e *audit.Entry) error {
	if err := store.CheckAuditChained(e); err != nil {
		return err
	}
	seq, hash, err := t.AuditHead(t.ctx)
	if err != nil {
		return err
	}
	if err := store.CheckAuditNext(e, seq, hash); err != nil {
		return err
	}
	err = t.exec(`INSERT INTO audit_log (seq, at, actor, action, object, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.Object, string(e.Detail), e.Prev, e.Hash)
	if isUnique(err) {
		return store.AuditConflict(e.Seq, seq)
	}
	return err
}

// Subject self-service (migration 0005_subject_accounts.sql).

func scanCredential(sc interface{ Scan(...any) error }) (*store.SubjectCredential, error) {
	var c store.SubjectCredential
	var issued sql.NullInt64
	if err := sc.Scan(&c.SubjectKey, &c.Hash, &issued, &c.Revoked); err != nil {
		return nil, err
	}
	c.IssuedAt = fromUnix(issued)
	return &c, nil
}

func (r reader) SubjectCredential(ctx context.Context, subjectKey string) (*store.SubjectCredential, error) {
	c, err := scanCredential(r.q.QueryRowContext(ctx, `SELECT subject_key, hash, issued_at, revoked FROM subject_credentials
		WHERE subject_key = ?`, subjectKey))
	return c, notFound("激活凭证", "credential", err)
}

func (r reader) SubjectCredentials(ctx context.Context) ([]*store.SubjectCredential, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT subject_key, hash, issued_at, revoked FROM subject_credentials
		ORDER BY issued_at DESC, subject_key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.SubjectCredential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r reader) OneTimeCode(ctx context.Context, subjectKey string) (*store.OneTimeCode, error) {
	c := store.OneTimeCode{SubjectKey: subjectKey}
	var expires sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT hash, expires_at, attempts FROM one_time_codes WHERE subject_key = ?`, subjectKey).
		Scan(&c.Hash, &expires, &c.Attempts)
	if err != nil {
		return nil, notFound("验证码", "one-time code", err)
	}
	c.ExpiresAt = fromUnix(expires)
	return &c, nil
}

func (t *tx) PutSubjectCredential(c *store.SubjectCredential) error {
	return t.exec(`INSERT INTO subject_credentials (subject_key, hash, issued_at, revoked) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject_key) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at, revoked = excluded.revoked`,
		c.SubjectKey, c.Hash, unix(c.IssuedAt), c.Revoked)
}

func (t *tx) PutOneTimeCode(c *store.OneTimeCode) error {
	return t.exec(`INSERT INTO one_time_codes (subject_key, hash, expires_at, attempts) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject_key) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, attempts = excluded.attempts`,
		c.SubjectKey, c.Hash, unix(c.ExpiresAt), c.Attempts)
}

func (t *tx) DeleteOneTimeCode(subjectKey string) error {
	return t.exec(`DELETE FROM one_time_codes WHERE subject_key = ?`, subjectKey)
}

func (t *tx) DeleteSubjectSessions(subjectKey string) error {
	if subjectKey == "" {
		return nil // staff sessions have no subject key: never sign them all out here
	}
	return t.exec(`DELETE FROM sessions WHERE subject_key = ?`, subjectKey)
}

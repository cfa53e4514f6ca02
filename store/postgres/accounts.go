package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	rows, err := r.q.Query(ctx, `SELECT code, name_zh, name_en, level, parent, disabled, created_at FROM departments ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Department
	for rows.Next() {
		var d store.Department
		var at *time.Time
		if err := rows.Scan(&d.Code, &d.NameZH, &d.NameEN, &d.Level, &d.Parent, &d.Disabled, &at); err != nil {
			return nil, err
		}
		d.CreatedAt = fromTS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

const userCols = `id, username, name, dept, roles, password_hash, disabled, created_at, password_changed_at`

func scanUser(sc pgx.Row) (*store.User, error) {
	var u store.User
	var roles []string
	var created, changed *time.Time
	if err := sc.Scan(&u.ID, &u.Username, &u.Name, &u.Dept, &roles, &u.PasswordHash, &u.Disabled, &created, &changed); err != nil {
		return nil, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, auth.Role(r))
	}
	u.CreatedAt, u.PasswordChangedAt = fromTS(created), fromTS(changed)
	return &u, nil
}

func roleList(roles []auth.Role) []string {
	l := make([]string, len(roles))
	for i, r := range roles {
		l[i] = string(r)
	}
	return l
}

func (r reader) UserByName(ctx context.Context, username string) (*store.User, error) {
	u, err := scanUser(r.q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = $1`, strings.ToLower(username)))
	return u, notFound("用户", "user", err)
}

func (r reader) UserByID(ctx context.Context, id int64) (*store.User, error) {
	u, err := scanUser(r.q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, notFound("用户", "user", err)
}

func (r reader) Users(ctx context.Context, dept string) ([]*store.User, error) {
	q, args := `SELECT `+userCols+` FROM users`, []any{}
	if dept != "" {
		q += ` WHERE dept = $1`
		args = append(args, dept)
	}
	rows, err := r.q.Query(ctx, q+` ORDER BY username`, args...)
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
	var created, seen *time.Time
	err := r.q.QueryRow(ctx, `SELECT user_id, subject_key, created_at, last_seen_at, remote_addr, user_agent FROM sessions WHERE key = $1`, key).
		Scan(&s.UserID, &s.SubjectKey, &created, &seen, &s.RemoteAddr, &s.UserAgent)
	if err != nil {
		return nil, notFound("会话", "session", err)
	}
	s.CreatedAt, s.LastSeenAt = fromTS(created), fromTS(seen)
	return &s, nil
}

// #nosec G101 -- a list of column names, not a credential
const tokenCols = `id, dept, name, hash, scopes, expires_at, revoked_at, created_by, created_at, last_used_at`

func scanToken(sc pgx.Row) (*auth.Token, error) {
	var t auth.Token
	var scopes []string
	var expires, revoked, created, used *time.Time
	if err := sc.Scan(&t.ID, &t.Dept, &t.Name, &t.Hash, &scopes, &expires, &revoked, &t.CreatedBy, &created, &used); err != nil {
		return nil, err
	}
	for _, s := range scopes {
		t.Scopes = append(t.Scopes, auth.Scope(s))
	}
	t.ExpiresAt, t.RevokedAt, t.CreatedAt, t.LastUsedAt = fromTS(expires), fromTS(revoked), fromTS(created), fromTS(used)
	return &t, nil
}

func scopeList(scopes []auth.Scope) []string {
	l := make([]string, len(scopes))
	for i, s := range scopes {
		l[i] = string(s)
	}
	return l
}

func (r reader) TokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	t, err := scanToken(r.q.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1`, hash))
	return t, notFound("令牌", "token", err)
}

func (r reader) Tokens(ctx context.Context, dept string) ([]*auth.Token, error) {
	q, args := `SELECT `+tokenCols+` FROM api_tokens`, []any{}
	if dept != "" {
		q += ` WHERE dept = $1`
		args = append(args, dept)
	}
	rows, err := r.q.Query(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
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

// sec is t truncated to the second in UTC, the zero time included (unlike ts, never NULL):
// what a stored time is compared with.
func sec(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

func (r reader) LoginFailures(ctx context.Context, username string, since time.Time) ([]time.Time, error) {
	rows, err := r.q.Query(ctx, `SELECT at FROM login_failures WHERE username = $1 AND at >= $2 ORDER BY at`,
		strings.ToLower(username), sec(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, at.UTC())
	}
	return out, rows.Err()
}

// queryLogWhere appends to args the values of f's conditions on an entry's actor and time and
// returns the conditions (each starting with AND, numbered after what args held).
func queryLogWhere(f store.QueryLogFilter, args *[]any) string {
	var where string
	arg := func(cond string, v any) {
		*args = append(*args, v)
		where += ` AND ` + cond + ` $` + strconv.Itoa(len(*args))
	}
	if f.Actor != "" {
		arg(`actor =`, f.Actor)
	}
	if !f.From.IsZero() {
		arg(`at >=`, sec(f.From))
	}
	if !f.To.IsZero() {
		arg(`at <`, sec(f.To))
	}
	return where
}

// subjectPart is the condition on a subject's entries in one part of the subject index
// (store.QueryLogPartBits), with the part and the key as parameters $n and $n+1.
func subjectPart(n int) string {
	return `(id >> ` + strconv.Itoa(store.QueryLogPartBits) + `) = $` + strconv.Itoa(n) + ` AND subject_key = $` + strconv.Itoa(n+1)
}

// maxQueryLogID is the highest id in the query log (0 when empty).
func (r reader) maxQueryLogID(ctx context.Context) (int64, error) {
	var maxID *int64
	err := r.q.QueryRow(ctx, `SELECT max(id) FROM query_log`).Scan(&maxID)
	if maxID == nil {
		return 0, err
	}
	return *maxID, err
}

// QueryLogs compares times at the store's precision: From and To are truncated to the second,
// as the stored times are. Inside a transaction the entries are read before fn sees them (the
// connection is busy while a result is being read, and fn may query). A subject's entries are
// read part by part of the subject index (store.QueryLogPartBits).
func (r reader) QueryLogs(ctx context.Context, f store.QueryLogFilter, fn func(*store.QueryLog) error) error {
	// $1 is the id bound (after AfterID in the order asked); for a subject $2 and $3 are its
	// part and key.
	bound, after, order := `id > $1`, f.AfterID, ` ORDER BY id`
	if f.Newest {
		bound, order = `id < $1`, ` ORDER BY id DESC`
		if after <= 0 {
			after = math.MaxInt64
		}
	}
	args := []any{after}
	if f.SubjectKey != "" {
		args = append(args, nil, nil)
	}
	where := queryLogWhere(f, &args)
	const cols = `SELECT id, at, actor, dept, purpose, subject_key, route, returned, remote_addr FROM query_log WHERE `
	if f.SubjectKey == "" {
		return r.queryLogs(ctx, cols+bound+where+order, args, f.Limit, fn)
	}
	maxID, err := r.maxQueryLogID(ctx)
	if err != nil {
		return err
	}
	q := cols + bound + ` AND ` + subjectPart(2) + where + order
	return store.SubjectQueryLogParts(f, maxID, func(part int64, limit int) (int, error) {
		n := 0
		args[1], args[2] = part, f.SubjectKey
		err := r.queryLogs(ctx, q, args, limit, func(l *store.QueryLog) error {
			n++
			return fn(l)
		})
		return n, err
	})
}

// CountQueryLogs implements store.Accounts; a subject's entries are counted part by part.
func (r reader) CountQueryLogs(ctx context.Context, f store.QueryLogFilter) (int64, error) {
	var args []any
	if f.SubjectKey != "" {
		args = []any{nil, nil}
	}
	where := queryLogWhere(f, &args)
	var total int64
	count := func(cond string) error {
		var n int64
		err := r.q.QueryRow(ctx, `SELECT count(*) FROM query_log WHERE `+cond+where, args...).Scan(&n)
		total += n
		return err
	}
	if f.SubjectKey == "" {
		return total, count(`true`)
	}
	maxID, err := r.maxQueryLogID(ctx)
	if err != nil {
		return 0, err
	}
	err = store.SubjectQueryLogParts(store.QueryLogFilter{SubjectKey: f.SubjectKey}, maxID, func(part int64, _ int) (int, error) {
		args[0], args[1] = part, f.SubjectKey
		return 0, count(subjectPart(1))
	})
	return total, err
}

// queryLogs hands fn the entries q (a query-log SELECT with its order) finds, at most limit of
// them (0: all).
func (r reader) queryLogs(ctx context.Context, q string, args []any, limit int, fn func(*store.QueryLog) error) error {
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var held []*store.QueryLog
	for rows.Next() {
		var l store.QueryLog
		if err := rows.Scan(&l.ID, &l.At, &l.Actor, &l.Dept, &l.Purpose, &l.SubjectKey, &l.Route, &l.Returned, &l.RemoteAddr); err != nil {
			return err
		}
		l.At = l.At.UTC()
		if r.inTx {
			held = append(held, &l)
			continue
		}
		if err := fn(&l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, l := range held {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

// AuditHead reads the one-row audit_head table. Inside a transaction it locks that row until
// the transaction ends, so the caller's AppendAudit cannot be overtaken by another append: a
// concurrent appender waits here and then reads the head this one left.
func (r reader) AuditHead(ctx context.Context) (int64, string, error) {
	q := `SELECT seq, hash FROM audit_head`
	if r.inTx {
		q += ` FOR UPDATE`
	}
	var seq int64
	var hash string
	err := r.q.QueryRow(ctx, q).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", credit.Errorf(credit.EINTERNAL, "审计链头缺失 / the audit_head row is missing")
	}
	return seq, hash, err
}

// AuditEntries reads in pages of auditPage entries, so a transaction can hand each page to fn
// after reading it (see QueryLogs) without holding the whole log in memory.
func (r reader) AuditEntries(ctx context.Context, from int64, fn func(*audit.Entry) error) error {
	for {
		rows, err := r.q.Query(ctx, `SELECT seq, at, actor, action, object, detail, prev, hash FROM audit_log
			WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, auditPage)
		if err != nil {
			return err
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*audit.Entry, error) {
			var e audit.Entry
			var detail string
			if err := row.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &detail, &e.Prev, &e.Hash); err != nil {
				return nil, err
			}
			e.At = e.At.UTC()
			if detail != "" {
				e.Detail = json.RawMessage(detail)
			}
			return &e, nil
		})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		from = page[len(page)-1].Seq + 1
	}
}

const auditPage = 1000

func (t *tx) PutDepartment(d store.Department) error {
	// An update keeps the department's creation time.
	return t.exec(`INSERT INTO departments (code, name_zh, name_en, level, parent, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, level = excluded.level,
		parent = excluded.parent, disabled = excluded.disabled`,
		d.Code, d.NameZH, d.NameEN, d.Level, d.Parent, d.Disabled, ts(d.CreatedAt))
}

// InsertUser lower-cases u.Username, as it is stored.
func (t *tx) InsertUser(u *store.User) error {
	u.Username = strings.ToLower(u.Username)
	err := t.tx.QueryRow(t.ctx, `INSERT INTO users (username, name, dept, roles, password_hash, disabled, created_at, password_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.Username, u.Name, u.Dept, roleList(u.Roles), u.PasswordHash, u.Disabled, ts(u.CreatedAt), ts(u.PasswordChangedAt)).Scan(&u.ID)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "用户名 %s 已被使用 / user name %s is taken", u.Username, u.Username)
	}
	return err
}

func (t *tx) UpdateUser(u *store.User) error {
	return t.one("用户", "user", `UPDATE users SET name = $1, dept = $2, roles = $3, password_hash = $4, disabled = $5,
		password_changed_at = $6 WHERE id = $7`,
		u.Name, u.Dept, roleList(u.Roles), u.PasswordHash, u.Disabled, ts(u.PasswordChangedAt), u.ID)
}

// one runs an UPDATE meant to change one row: none is ENOTFOUND.
func (t *tx) one(zh, en, query string, args ...any) error {
	tag, err := t.tx.Exec(t.ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return nil
}

func (t *tx) InsertSession(s *store.Session) error {
	err := t.exec(`INSERT INTO sessions (key, user_id, subject_key, created_at, last_seen_at, remote_addr, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.Key, s.UserID, s.SubjectKey, ts(s.CreatedAt), ts(s.LastSeenAt), s.RemoteAddr, s.UserAgent)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "会话已存在 / session exists")
	}
	return err
}

func (t *tx) TouchSession(key string, at time.Time) error {
	return t.one("会话", "session", `UPDATE sessions SET last_seen_at = $1 WHERE key = $2`, ts(at), key)
}

// DeleteSession deletes a session; one already gone is no error (signing out twice is fine).
func (t *tx) DeleteSession(key string) error {
	return t.exec(`DELETE FROM sessions WHERE key = $1`, key)
}

func (t *tx) DeleteUserSessions(userID int64) error {
	return t.exec(`DELETE FROM sessions WHERE user_id = $1`, userID)
}

func (t *tx) AddLoginFailure(username string, at time.Time, remoteAddr string) error {
	return t.exec(`INSERT INTO login_failures (username, at, remote_addr) VALUES ($1, $2, $3)`, strings.ToLower(username), ts(at), remoteAddr)
}

func (t *tx) ClearLoginFailures(username string, before time.Time) error {
	if before.IsZero() {
		return t.exec(`DELETE FROM login_failures WHERE username = $1`, strings.ToLower(username))
	}
	return t.exec(`DELETE FROM login_failures WHERE username = $1 AND at < $2`, strings.ToLower(username), sec(before))
}

func (t *tx) InsertToken(tk *auth.Token) error {
	err := t.tx.QueryRow(t.ctx, `INSERT INTO api_tokens (dept, name, hash, scopes, expires_at, revoked_at, created_by, created_at,
		last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		tk.Dept, tk.Name, tk.Hash, scopeList(tk.Scopes), ts(tk.ExpiresAt), ts(tk.RevokedAt), tk.CreatedBy, ts(tk.CreatedAt),
		ts(tk.LastUsedAt)).Scan(&tk.ID)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "令牌已存在 / token exists")
	}
	return err
}

func (t *tx) UpdateToken(tk *auth.Token) error {
	return t.one("令牌", "token", `UPDATE api_tokens SET revoked_at = $1, last_used_at = $2 WHERE id = $3`,
		ts(tk.RevokedAt), ts(tk.LastUsedAt), tk.ID)
}

func (t *tx) AppendQueryLog(q *store.QueryLog) error {
	return t.tx.QueryRow(t.ctx, `INSERT INTO query_log (at, actor, dept, purpose, subject_key, route, returned, remote_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		ts(q.At), q.Actor, q.Dept, q.Purpose, q.SubjectKey, q.Route, q.Returned, q.RemoteAddr).Scan(&q.ID)
}

// AppendAudit locks the head row (see AuditHead), checks that e follows it, appends e and
// moves the head. Two appenders of the same seq cannot both pass: the second waits for the
// lock and then finds the head moved (ECONFLICT); were the lock ever bypassed, the primary key
// on seq refuses the duplicate, also as ECONFLICT.
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
	err = t.exec(`INSERT INTO audit_log (seq, at, actor, action, object, detail, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.Seq, e.At.UTC(), e.Actor, e.Action, e.Object, string(e.Detail), e.Prev, e.Hash)
	if isUnique(err) {
		return store.AuditConflict(e.Seq, seq)
	}
	if err != nil {
		return err
	}
	return t.exec(`UPDATE audit_head SET seq = $1, hash = $2`, e.Seq, e.Hash)
}

// Subject self-service (migration 0005_subject_accounts.sql).

func scanCredential(sc pgx.Row) (*store.SubjectCredential, error) {
	var c store.SubjectCredential
	var issued *time.Time
	if err := sc.Scan(&c.SubjectKey, &c.Hash, &issued, &c.Revoked); err != nil {
		return nil, err
	}
	c.IssuedAt = fromTS(issued)
	return &c, nil
}

func (r reader) SubjectCredential(ctx context.Context, subjectKey string) (*store.SubjectCredential, error) {
	c, err := scanCredential(r.q.QueryRow(ctx, `SELECT subject_key, hash, issued_at, revoked FROM subject_credentials
		WHERE subject_key = $1`, subjectKey))
	return c, notFound("激活凭证", "credential", err)
}

func (r reader) SubjectCredentials(ctx context.Context) ([]*store.SubjectCredential, error) {
	rows, err := r.q.Query(ctx, `SELECT subject_key, hash, issued_at, revoked FROM subject_credentials
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
	var expires *time.Time
	err := r.q.QueryRow(ctx, `SELECT hash, expires_at, attempts FROM one_time_codes WHERE subject_key = $1`, subjectKey).
		Scan(&c.Hash, &expires, &c.Attempts)
	if err != nil {
		return nil, notFound("验证码", "one-time code", err)
	}
	c.ExpiresAt = fromTS(expires)
	return &c, nil
}

func (t *tx) PutSubjectCredential(c *store.SubjectCredential) error {
	return t.exec(`INSERT INTO subject_credentials (subject_key, hash, issued_at, revoked) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subject_key) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at, revoked = excluded.revoked`,
		c.SubjectKey, c.Hash, ts(c.IssuedAt), c.Revoked)
}

func (t *tx) PutOneTimeCode(c *store.OneTimeCode) error {
	return t.exec(`INSERT INTO one_time_codes (subject_key, hash, expires_at, attempts) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subject_key) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, attempts = excluded.attempts`,
		c.SubjectKey, c.Hash, ts(c.ExpiresAt), c.Attempts)
}

func (t *tx) DeleteOneTimeCode(subjectKey string) error {
	return t.exec(`DELETE FROM one_time_codes WHERE subject_key = $1`, subjectKey)
}

func (t *tx) DeleteSubjectSessions(subjectKey string) error {
	if subjectKey == "" {
		return nil // staff sessions have no subject key: never sign them all out here
	}
	return t.exec(`DELETE FROM sessions WHERE subject_key = $1`, subjectKey)
}

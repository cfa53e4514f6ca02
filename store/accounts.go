package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
)

// Accounts is what access control and accountability (issue 3) need from a store: departments,
// users, sessions, login failures, API tokens, the query log (查询使用登记) and the audit trail.
// Every Store implements it; the reads are also available inside a transaction (AccountsTx).
type Accounts interface {
	Departments(ctx context.Context) ([]Department, error)
	// UserByName finds a user by login name (case-insensitive; stored lower-case).
	UserByName(ctx context.Context, username string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	Users(ctx context.Context, dept string) ([]*User, error) // "" = all, ordered by username
	// SessionByKey finds a session by auth.SessionKey(id) (the id itself is never stored).
	SessionByKey(ctx context.Context, key string) (*Session, error)
	// TokenByHash finds an API token by auth.TokenHash(plain).
	TokenByHash(ctx context.Context, hash string) (*auth.Token, error)
	Tokens(ctx context.Context, dept string) ([]*auth.Token, error) // "" = all, newest first
	// LoginFailures returns the failed sign-ins of a user name at or after since, oldest first.
	LoginFailures(ctx context.Context, username string, since time.Time) ([]time.Time, error)
	// QueryLogs calls fn for each query-log entry matching f, oldest first (newest first with
	// f.Newest).
	QueryLogs(ctx context.Context, f QueryLogFilter, fn func(*QueryLog) error) error
	// CountQueryLogs counts the query-log entries matching f's subject, actor and times.
	CountQueryLogs(ctx context.Context, f QueryLogFilter) (int64, error)
	// AuditHead returns the last audit entry's seq and hash (0 and audit.Genesis when empty).
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	// AuditEntries calls fn for each audit entry with seq ≥ from, in seq order.
	AuditEntries(ctx context.Context, from int64, fn func(*audit.Entry) error) error
	// SubjectCredential returns the activation credential of a subject (ENOTFOUND when none
	// was ever issued; a revoked one is returned with Revoked set).
	SubjectCredential(ctx context.Context, subjectKey string) (*SubjectCredential, error)
	// SubjectCredentials returns every credential issued, newest first.
	SubjectCredentials(ctx context.Context) ([]*SubjectCredential, error)
	// OneTimeCode returns the sign-in code pending for a subject (ENOTFOUND when none).
	OneTimeCode(ctx context.Context, subjectKey string) (*OneTimeCode, error)
}

// AccountsTx is the write side, inside Store.Update.
type AccountsTx interface {
	// PutDepartment inserts or updates a department (by code).
	PutDepartment(d Department) error
	// InsertUser stores a new user and sets its ID; a taken user name is ECONFLICT.
	InsertUser(u *User) error
	// UpdateUser overwrites name, department, roles, password hash, disabled and
	// password-changed time (by ID).
	UpdateUser(u *User) error
	InsertSession(s *Session) error
	// TouchSession sets a session's last-seen time.
	TouchSession(key string, at time.Time) error
	DeleteSession(key string) error
	// DeleteUserSessions signs a user out everywhere (password reset, disable).
	DeleteUserSessions(userID int64) error
	AddLoginFailure(username string, at time.Time, remoteAddr string) error
	// ClearLoginFailures forgets a user name's failures before `before` (all when before is zero).
	ClearLoginFailures(username string, before time.Time) error
	// InsertToken stores a new API token and sets its ID.
	InsertToken(t *auth.Token) error
	// UpdateToken stores revocation and last use (by ID).
	UpdateToken(t *auth.Token) error
	// AppendQueryLog stores one query-log entry and sets its ID.
	AppendQueryLog(q *QueryLog) error
	// AppendAudit stores an entry the caller chained with audit.Chain after AuditHead in the
	// same transaction; a seq that is not head+1 is ECONFLICT.
	AppendAudit(e *audit.Entry) error
	// PutSubjectCredential stores a subject's credential, replacing any earlier one (by
	// subject key): issuing, re-issuing and revoking all write the whole row.
	PutSubjectCredential(c *SubjectCredential) error
	// PutOneTimeCode stores a subject's pending sign-in code, replacing any earlier one.
	PutOneTimeCode(c *OneTimeCode) error
	// DeleteOneTimeCode forgets a subject's pending code; none is no error.
	DeleteOneTimeCode(subjectKey string) error
	// DeleteSubjectSessions signs a subject out everywhere (credential re-issued or revoked).
	DeleteSubjectSessions(subjectKey string) error
}

// Department is an organisational unit with users (部门): a source department, the credit
// office, a county's office.
type Department struct {
	Code      string    `json:"code"`
	NameZH    string    `json:"name_zh"`
	NameEN    string    `json:"name_en,omitempty"`
	Level     string    `json:"level"`            // "city" or "county"
	Parent    string    `json:"parent,omitempty"` // code of the department above, if any
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a staff account.
type User struct {
	ID                int64       `json:"id"`
	Username          string      `json:"username"`
	Name              string      `json:"name"`
	Dept              string      `json:"dept"`
	Roles             []auth.Role `json:"roles"`
	PasswordHash      string      `json:"-"` // argon2id PHC string
	Disabled          bool        `json:"disabled,omitempty"`
	CreatedAt         time.Time   `json:"created_at"`
	PasswordChangedAt time.Time   `json:"password_changed_at"`
}

// Session is a signed-in browser session, stored under auth.SessionKey of its id. A staff
// session has UserID set; a subject's self-service session has UserID 0 and SubjectKey set.
type Session struct {
	Key        string    `json:"-"`
	UserID     int64     `json:"user_id"`
	SubjectKey string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	RemoteAddr string    `json:"remote_addr"`
	UserAgent  string    `json:"user_agent"`
}

// QueryLog is one read of personal or non-public information (查询使用登记): who, for which
// department and purpose, about which subject, what was returned, when and from where.
type QueryLog struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"` // auth.Principal.Actor()
	Dept       string    `json:"dept"`
	Purpose    string    `json:"purpose"`
	SubjectKey string    `json:"-"` // the subject's key; shown to the subject itself
	Route      string    `json:"route"`
	Returned   string    `json:"returned"` // what was returned, e.g. "records:admin_penalty×3"
	RemoteAddr string    `json:"remote_addr"`
}

// QueryLogFilter narrows QueryLogs.
type QueryLogFilter struct {
	SubjectKey string
	Actor      string
	From, To   time.Time // To exclusive; zero = open
	AfterID    int64     // for paging: the last id of the page before (entries after it in the order read)
	Limit      int       // 0 = no limit
	Newest     bool      // newest first (descending id)
}

// SubjectCredential is the activation credential (激活凭证) the credit office issues to an
// organisation so it can sign in to its own self-service pages with its unified code. Only
// the argon2id hash of the credential is kept.
type SubjectCredential struct {
	SubjectKey string    `json:"subject_key"`
	Hash       string    `json:"-"` // argon2id PHC string
	IssuedAt   time.Time `json:"issued_at"`
	Revoked    bool      `json:"revoked"`
}

// OneTimeCode is a pending sign-in code (一次性验证码) sent to a natural person: its argon2id
// hash, when it stops working and how many wrong guesses it has had.
type OneTimeCode struct {
	SubjectKey string
	Hash       string
	ExpiresAt  time.Time
	Attempts   int
}

// QueryLogPartBits splits the query log's subject index into parts of 2^QueryLogPartBits
// entries by id (migration 0025): both stores index query_log on (id >> QueryLogPartBits,
// subject_key, id), not on (subject_key, id). Every check adds an entry for a subject drawn
// from millions, so one index over the whole log took an insert at a random leaf of a tree
// as large as the log (687 MB at 13.9 million entries on SQLite, far past the writer's page
// cache): the largest single cost of a window check. Within a part, inserts land in a tree of
// at most half a million entries (tens of MB) that stays cached. The price is paid by the
// rarer read of one subject's log, which probes each part once (SubjectQueryLogParts).
const QueryLogPartBits = 19

// SubjectQueryLogParts reads a subject's query-log entries part by part, in the order f asks
// (f.SubjectKey set), in a log whose highest id is maxID: probe reads the entries of one part
// (id >> QueryLogPartBits == part) that f selects, at most limit of them (0: all), hands each
// to the caller's function and says how many it handed.
func SubjectQueryLogParts(f QueryLogFilter, maxID int64, probe func(part int64, limit int) (int, error)) error {
	first, last, step := (max(f.AfterID, 0)+1)>>QueryLogPartBits, maxID>>QueryLogPartBits, int64(1)
	if f.Newest {
		first, last, step = last, 0, -1
		if f.AfterID > 0 {
			first = min(first, (f.AfterID-1)>>QueryLogPartBits)
		}
	}
	left := f.Limit
	for part := first; part*step <= last*step; part += step {
		n, err := probe(part, left)
		if err != nil {
			return err
		}
		if left > 0 {
			if left -= n; left <= 0 {
				return nil
			}
		}
	}
	return nil
}

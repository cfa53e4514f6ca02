package app

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Department levels.
const (
	DeptLevelCity   = "city"   // 市级
	DeptLevelCounty = "county" // 区县级
	// DeptLevelPartner is an authorised partner outside government (授权合作机构), such as a
	// bank monitoring its borrowers or checking a consenting person's grade: it gets API tokens
	// with the subscriptions:write and scores:verify scopes and nothing a government
	// department has.
	DeptLevelPartner = "partner"
)

// Errors of signing in. ErrLogin is the one answer to an unknown user name, a wrong password
// and a disabled account alike, so the answer tells nobody which accounts exist.
var (
	ErrLogin       = credit.Errorf(credit.EUNAUTH, "用户名或密码错误 / wrong user name or password")
	ErrNotSignedIn = credit.Errorf(credit.EUNAUTH, "未登录或会话已结束，请重新登录 / not signed in, or the session has ended: please sign in")
)

// dummyHash is verified against when the user name is unknown, so that an unknown name costs
// the same argon2id work as a wrong password and timing does not tell them apart. It has the
// cost of new hashes; no password matches it in practice.
var dummyHash = (&auth.PHC{Params: auth.DefaultArgon2,
	Salt: []byte("xinyong-dummy-sa"), Key: []byte("xinyong-dummy-key-never-matches!")}).String()

// Limits of account fields.
const (
	maxUsernameLen  = 64  // bytes
	maxNameRunes    = 64  // a person's or department's name
	maxTokenName    = 100 // what a token is for
	maxUserAgentLen = 256 // bytes kept of a browser's User-Agent
	maxRemoteLen    = 64
	tokenTouchEvery = time.Minute
	// tokenCacheFor is how long a token read from the store answers again without a read:
	// a revocation in this process drops it at once; one made by another process (the CLI
	// on the same store) takes effect within this time.
	tokenCacheFor = 2 * time.Second
)

// tokenCache keeps recently presented API tokens by hash, so a department system sending
// thousands of window checks a second does not read its token for each one.
type tokenCache struct {
	mu    sync.Mutex
	m     map[string]cachedToken
	clock func() time.Time // nil: time.Now (tests set it)
}

func (c *tokenCache) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

type cachedToken struct {
	t    auth.Token
	read time.Time // when it was read from the store (the process's clock, not the app's)
}

const tokenCacheMax = 4096

func (c *tokenCache) get(hash string, now time.Time) (*auth.Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.Sub(e.read) >= tokenCacheFor || now.Before(e.read) {
		return nil, false
	}
	t := e.t
	return &t, true
}

func (c *tokenCache) put(t *auth.Token, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = map[string]cachedToken{}
	}
	c.m[t.Hash] = cachedToken{t: *t, read: now}
}

func (c *tokenCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.t.ID == id {
			delete(c.m, h)
		}
	}
}

// invalidField is an EINVALID error naming the field and rule.
func invalidField(field, rule, msg string) error {
	return &credit.Error{Code: credit.EINVALID, Field: field, Rule: rule, Message: msg}
}

// CleanUsername checks a login name and returns it in its stored form: trimmed, lower case;
// ASCII letters, digits and . _ - @, starting with a letter or digit, at most 64 bytes.
func CleanUsername(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 2 || len(s) > maxUsernameLen {
		return "", invalidField("username", credit.RuleFormat, "用户名须为 2–64 个字符 / the user name must be 2–64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-' || c == '@')
		if !ok {
			return "", invalidField("username", credit.RuleFormat,
				"用户名只能由字母、数字和 . _ - @ 组成，并以字母或数字开头 / the user name may hold letters, digits and . _ - @ and must start with a letter or digit")
		}
	}
	return s, nil
}

// cleanText checks a required display text (a person's or department's name).
func cleanText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalidField(field, credit.RuleRequired, "此项必填 / "+field+" is required")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return "", invalidField(field, credit.RuleFormat, "含有无效字符 / "+field+" contains invalid characters")
	case utf8.RuneCountInString(s) > max:
		return "", invalidField(field, credit.RuleMaxLength, "过长 / "+field+" is too long")
	}
	return s, nil
}

// cut bounds a free-text value kept for the record (a User-Agent, an address).
func cut(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// cleanRoles checks the roles of a staff user: at least one, each known, never the subject
// self-service role (those accounts are of another kind). Duplicates are dropped and the
// result is in auth.AllRoles order.
func cleanRoles(roles []auth.Role) ([]auth.Role, error) {
	seen := map[auth.Role]bool{}
	for _, r := range roles {
		if !r.Valid() {
			_, err := auth.ParseRole(string(r))
			return nil, err
		}
		if r == auth.RoleSubject {
			return nil, invalidField("roles", credit.RuleEnum, "工作人员账户不能持有信用主体自助角色 / a staff account cannot hold the subject role")
		}
		seen[r] = true
	}
	if len(seen) == 0 {
		return nil, invalidField("roles", credit.RuleRequired, "请至少指定一个角色 / at least one role is required")
	}
	var out []auth.Role
	for _, r := range auth.AllRoles {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// UserPrincipal is the principal a signed-in staff user acts as.
func UserPrincipal(u *store.User) *auth.Principal {
	return &auth.Principal{UserID: u.ID, Name: u.Username, Dept: u.Dept, Roles: slices.Clone(u.Roles), Kind: auth.KindStaff}
}

// userObject names a user as the object of an audit entry.
func userObject(username string) string { return "user:" + username }

// ---- Departments (部门) ----

// Departments returns every department, as the store orders them.
func (a *App) Departments(ctx context.Context) ([]store.Department, error) {
	return a.Store.Departments(ctx)
}

// seedDepartments fills an empty departments table from the catalog's source departments
// (all at city level), in one transaction with one audit entry, so a new platform can add
// users to them at once.
func (a *App) seedDepartments(ctx context.Context) error {
	ds, err := a.Store.Departments(ctx)
	if err != nil || len(ds) > 0 {
		return err
	}
	cat := a.Catalog()
	if len(cat.Departments) == 0 {
		return nil
	}
	return a.update(ctx, func(tx store.Tx) error {
		if ds, err := tx.Departments(ctx); err != nil || len(ds) > 0 { // another process was first
			return err
		}
		now := a.Now().UTC()
		codes := make([]string, 0, len(cat.Departments))
		for _, d := range cat.Departments {
			err := tx.PutDepartment(store.Department{Code: d.Code, NameZH: d.NameZH, NameEN: d.NameEN, Level: DeptLevelCity, CreatedAt: now})
			if err != nil {
				return err
			}
			codes = append(codes, d.Code)
		}
		return a.audit(ctx, tx, ActorSystem, ActionDeptSeed, "departments",
			map[string]any{"catalog_version": cat.Version, "codes": codes})
	})
}

// findDept returns the department with code from ds.
func findDept(ds []store.Department, code string) (*store.Department, bool) {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i], true
		}
	}
	return nil, false
}

// activeDept checks inside tx that code names a department that exists and is not disabled.
func activeDept(ctx context.Context, tx store.Reader, code string) error {
	ds, err := tx.Departments(ctx)
	if err != nil {
		return err
	}
	d, ok := findDept(ds, code)
	switch {
	case !ok:
		return &credit.Error{Code: credit.EINVALID, Field: "dept", Rule: credit.RuleDepartment,
			Message: "部门 " + quote(code) + " 不存在（可用 xinyong dept add 添加） / no such department"}
	case d.Disabled:
		return &credit.Error{Code: credit.EINVALID, Field: "dept", Rule: credit.RuleDepartment,
			Message: "部门 " + quote(code) + " 已停用 / the department is disabled"}
	}
	return nil
}

// quote quotes user input for a message, cut so hostile input cannot flood a log line.
func quote(s string) string {
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:40], "") + "…"
	}
	return "“" + s + "”"
}

// PutDepartment adds a department or updates one (by code), keeping its creation time. The
// level defaults to city; a parent must exist and may not make a cycle.
func (a *App) PutDepartment(ctx context.Context, actor string, d store.Department) error {
	d.Code = strings.ToLower(strings.TrimSpace(d.Code))
	if !auth.ValidDeptCode(d.Code) {
		return invalidField("code", credit.RuleFormat, "部门代码须为小写字母开头的字母、数字或下划线，最多 32 个字符 / "+
			"a department code is lower-case letters, digits or underscores, starting with a letter, at most 32 characters")
	}
	var err error
	if d.NameZH, err = cleanText("name_zh", d.NameZH, maxNameRunes); err != nil {
		return err
	}
	if d.NameEN = strings.TrimSpace(d.NameEN); d.NameEN != "" {
		if d.NameEN, err = cleanText("name_en", d.NameEN, 2*maxNameRunes); err != nil {
			return err
		}
	}
	switch d.Level {
	case "":
		d.Level = DeptLevelCity
	case DeptLevelCity, DeptLevelCounty, DeptLevelPartner:
	default:
		return invalidField("level", credit.RuleEnum, "部门级别须为 city、county 或 partner / the level must be city, county or partner")
	}
	d.Parent = strings.ToLower(strings.TrimSpace(d.Parent))
	return a.update(ctx, func(tx store.Tx) error {
		ds, err := tx.Departments(ctx)
		if err != nil {
			return err
		}
		old, exists := findDept(ds, d.Code)
		if d.Parent != "" {
			// Walk up from the parent: reaching d itself would make a cycle.
			for p, n := d.Parent, 0; p != ""; n++ {
				if p == d.Code || n > len(ds) {
					return invalidField("parent", credit.RuleDepartment, "上级部门不能是本部门或其下级 / the parent cannot be the department itself or below it")
				}
				pd, ok := findDept(ds, p)
				if !ok {
					return invalidField("parent", credit.RuleDepartment, "上级部门 "+quote(p)+" 不存在 / no such parent department")
				}
				p = pd.Parent
			}
		}
		if err := partnerWithoutUsers(ctx, tx, d); err != nil {
			return err
		}
		if exists {
			d.CreatedAt = old.CreatedAt
		} else {
			d.CreatedAt = a.Now().UTC()
		}
		if err := tx.PutDepartment(d); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionDeptPut, "dept:"+d.Code, map[string]any{"code": d.Code, "name_zh": d.NameZH,
			"name_en": d.NameEN, "level": d.Level, "parent": d.Parent, "disabled": d.Disabled, "new": !exists})
	})
}

// ---- Users (用户) ----

// hashPassword hashes pw with argon2id, at most two at a time.
func (a *App) hashPassword(ctx context.Context, pw string) (hash string, err error) {
	err = a.argon(ctx, func() { hash, err = auth.HashPassword(pw, rand.Reader) })
	return hash, err
}

// argon runs fn, an argon2id computation, once a slot of the semaphore is free.
func (a *App) argon(ctx context.Context, fn func()) error {
	select {
	case a.pwSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.pwSem }()
	fn()
	return nil
}

// Users returns the users of a department ("" for all), ordered by user name.
func (a *App) Users(ctx context.Context, dept string) ([]*store.User, error) {
	return a.Store.Users(ctx, dept)
}

// userByName loads a user by login name, with a clear ENOTFOUND.
func userByName(ctx context.Context, r store.Reader, username string) (*store.User, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	u, err := r.UserByName(ctx, name)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil, credit.Errorf(credit.ENOTFOUND, "用户 %s 不存在 / no such user", quote(name))
	}
	return u, err
}

// User returns the staff account with a login name (ENOTFOUND, naming it, when there is none).
func (a *App) User(ctx context.Context, username string) (*store.User, error) {
	return userByName(ctx, a.Store, username)
}

// AddUser creates a staff account (工作人员账户) in an existing department. The password must
// pass the policy (auth.CheckPasswordPolicy); only its argon2id hash is kept. The first admin
// is created this way from the command line: there is no default account or password.
func (a *App) AddUser(ctx context.Context, actor, username, name, dept string, roles []auth.Role, password string) (*store.User, error) {
	uname, err := CleanUsername(username)
	if err != nil {
		return nil, err
	}
	if name, err = cleanText("name", name, maxNameRunes); err != nil {
		return nil, err
	}
	dept = strings.ToLower(strings.TrimSpace(dept))
	if roles, err = cleanRoles(roles); err != nil {
		return nil, err
	}
	if err := auth.CheckPasswordPolicy(password, uname); err != nil {
		return nil, err
	}
	// Cheap checks first, so a typo does not cost an argon2id hash.
	if err := activeDept(ctx, a.Store, dept); err != nil {
		return nil, err
	}
	if _, err := a.Store.UserByName(ctx, uname); err == nil {
		return nil, errUserTaken(uname)
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	u := &store.User{Username: uname, Name: name, Dept: dept, Roles: roles, PasswordHash: hash, CreatedAt: now, PasswordChangedAt: now}
	err = a.update(ctx, func(tx store.Tx) error {
		if err := activeDept(ctx, tx, dept); err != nil {
			return err
		}
		if err := noPartnerUsers(ctx, tx, dept); err != nil {
			return err
		}
		if _, err := tx.UserByName(ctx, uname); err == nil {
			return errUserTaken(uname)
		} else if credit.ErrorCode(err) != credit.ENOTFOUND {
			return err
		}
		if err := tx.InsertUser(u); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionUserAdd, userObject(uname),
			map[string]any{"id": u.ID, "name": name, "dept": dept, "roles": roles})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func errUserTaken(name string) error {
	return &credit.Error{Code: credit.ECONFLICT, Field: "username", Rule: "unique",
		Message: "用户名 " + quote(name) + " 已被使用 / the user name is taken"}
}

// lastAdmin reports whether u is the only enabled admin left.
func lastAdmin(ctx context.Context, tx store.Tx, u *store.User) (bool, error) {
	if u.Disabled || !slices.Contains(u.Roles, auth.RoleAdmin) {
		return false, nil
	}
	all, err := tx.Users(ctx, "")
	if err != nil {
		return false, err
	}
	for _, o := range all {
		if o.ID != u.ID && !o.Disabled && slices.Contains(o.Roles, auth.RoleAdmin) {
			return false, nil
		}
	}
	return true, nil
}

var errLastAdmin = credit.Errorf(credit.ECONFLICT, "不能停用或降级最后一个可用的管理员 / cannot disable or demote the last enabled admin")

// UpdateUser changes a user's name, department or roles; "" and nil leave a field as it is.
// The change takes effect at the user's next request (sessions load the user every time).
func (a *App) UpdateUser(ctx context.Context, actor, username, name, dept string, roles []auth.Role) (*store.User, error) {
	var err error
	if name != "" {
		if name, err = cleanText("name", name, maxNameRunes); err != nil {
			return nil, err
		}
	}
	if roles != nil {
		if roles, err = cleanRoles(roles); err != nil {
			return nil, err
		}
	}
	dept = strings.ToLower(strings.TrimSpace(dept))
	var u *store.User
	err = a.update(ctx, func(tx store.Tx) error {
		if u, err = userByName(ctx, tx, username); err != nil {
			return err
		}
		changed := map[string]any{"id": u.ID}
		if name != "" && name != u.Name {
			u.Name, changed["name"] = name, name
		}
		if dept != "" && dept != u.Dept {
			if err := activeDept(ctx, tx, dept); err != nil {
				return err
			}
			if err := noPartnerUsers(ctx, tx, dept); err != nil {
				return err
			}
			u.Dept, changed["dept"] = dept, dept
		}
		if roles != nil && !slices.Equal(roles, u.Roles) {
			if !slices.Contains(roles, auth.RoleAdmin) {
				if last, err := lastAdmin(ctx, tx, u); err != nil {
					return err
				} else if last {
					return errLastAdmin
				}
			}
			u.Roles, changed["roles"] = roles, roles
		}
		if len(changed) == 1 {
			return nil // nothing to record
		}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionUserUpdate, userObject(u.Username), changed)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DisableUser stops a user from signing in and ends its sessions at once. Disabling the last
// enabled admin is refused, so the console cannot lock itself out. A disabled user is left as
// it is.
func (a *App) DisableUser(ctx context.Context, actor, username string) error {
	return a.update(ctx, func(tx store.Tx) error {
		u, err := userByName(ctx, tx, username)
		if err != nil || u.Disabled {
			return err
		}
		if last, err := lastAdmin(ctx, tx, u); err != nil {
			return err
		} else if last {
			return errLastAdmin
		}
		u.Disabled = true
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(u.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionUserDisable, userObject(u.Username), map[string]any{"id": u.ID})
	})
}

// EnableUser lets a disabled user sign in again. An enabled user is left as it is.
func (a *App) EnableUser(ctx context.Context, actor, username string) error {
	return a.update(ctx, func(tx store.Tx) error {
		u, err := userByName(ctx, tx, username)
		if err != nil || !u.Disabled {
			return err
		}
		u.Disabled = false
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionUserEnable, userObject(u.Username), map[string]any{"id": u.ID})
	})
}

// ResetPassword sets a new password (which must pass the policy), ends the user's sessions
// everywhere and forgets its failed sign-ins, so a locked account opens again.
func (a *App) ResetPassword(ctx context.Context, actor, username, password string) error {
	u, err := userByName(ctx, a.Store, username)
	if err != nil {
		return err
	}
	if err := auth.CheckPasswordPolicy(password, u.Username); err != nil {
		return err
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.update(ctx, func(tx store.Tx) error {
		u, err := userByName(ctx, tx, username)
		if err != nil {
			return err
		}
		u.PasswordHash, u.PasswordChangedAt = hash, a.Now().UTC()
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(u.ID); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(u.Username, time.Time{}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionUserPasswordReset, userObject(u.Username), map[string]any{"id": u.ID})
	})
}

// ---- Signing in (登录) ----

// Login signs a staff user in and returns a new session id for the cookie (never one the
// browser brought: no session fixation) with the user.
//
// The lockout (auth.DefaultLockout: 5 failures in 15 minutes lock for 15 minutes) is checked
// first, before any password work, and a refused attempt is not counted, so a lock ends on
// time. An unknown user name, a wrong password and a disabled account all get ErrLogin after
// the same argon2id work; each failure is counted against the name and recorded in the audit
// trail, and the failure that locks the account also records a lockout entry and returns
// auth.LockedError with the time the lock ends. A hash made with older parameters is upgraded
// on success.
func (a *App) Login(ctx context.Context, username, password, remoteAddr, userAgent string) (string, *store.User, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	if _, err := CleanUsername(name); err != nil {
		return "", nil, ErrLogin // not a name any account can have: nothing to count
	}
	remoteAddr, userAgent = cut(remoteAddr, maxRemoteLen), cut(userAgent, maxUserAgentLen)
	lock := auth.DefaultLockout
	now := a.Now().UTC()
	fails, err := a.Store.LoginFailures(ctx, name, lock.Since(now))
	if err != nil {
		return "", nil, err
	}
	if locked, until := lock.Check(fails, now); locked {
		return "", nil, auth.LockedError(until.In(time.Local))
	}
	u, err := a.Store.UserByName(ctx, name)
	switch {
	case credit.ErrorCode(err) == credit.ENOTFOUND:
		u = nil
	case err != nil:
		return "", nil, err
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	var ok, rehash bool
	var verr error
	if err := a.argon(ctx, func() { ok, rehash, verr = auth.VerifyPassword(hash, password) }); err != nil {
		return "", nil, err
	}
	if verr != nil { // a stored hash that cannot be read: corruption, never the user's fault
		a.Log.Error("unreadable password hash", "user", name, "err", verr)
		ok = false
	}
	if u == nil || u.Disabled || !ok {
		reason := "wrong_password"
		switch {
		case u == nil:
			reason = "unknown_user"
		case u.Disabled:
			reason = "disabled"
		}
		return "", nil, a.loginFailed(ctx, name, reason, remoteAddr, now)
	}
	if rehash {
		newHash, err := a.hashPassword(ctx, password)
		if err != nil {
			return "", nil, err
		}
		u.PasswordHash = newHash
	}
	sid, err := auth.NewSessionID(rand.Reader)
	if err != nil {
		return "", nil, err
	}
	err = a.update(ctx, func(tx store.Tx) error {
		if rehash {
			if err := tx.UpdateUser(u); err != nil {
				return err
			}
		}
		s := &store.Session{Key: auth.SessionKey(sid), UserID: u.ID, CreatedAt: now, LastSeenAt: now, RemoteAddr: remoteAddr, UserAgent: userAgent}
		if err := tx.InsertSession(s); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(name, time.Time{}); err != nil {
			return err
		}
		return a.audit(ctx, tx, UserPrincipal(u).Actor(), ActionLoginSuccess, userObject(name),
			map[string]any{"remote_addr": remoteAddr, "rehashed": rehash})
	})
	if err != nil {
		return "", nil, err
	}
	return sid, u, nil
}

// loginFailed counts a failed sign-in, records it, and returns the refusal: ErrLogin, or the
// lockout when this failure completes a run.
func (a *App) loginFailed(ctx context.Context, name, reason, remoteAddr string, now time.Time) error {
	return a.signInFailed(ctx, name, userObject(name), ActionLoginFailure, ErrLogin, reason, remoteAddr, now)
}

// signInFailed records one failed sign-in under lockName (a user name, or a subject's sign-in
// name), audits it against object, and returns refusal — or the lockout when this failure
// completes a run. Staff and subject sign-in share it so they lock alike.
func (a *App) signInFailed(ctx context.Context, lockName, object, action string, refusal error, reason, remoteAddr string, now time.Time) error {
	lock := auth.DefaultLockout
	var until time.Time
	err := a.update(ctx, func(tx store.Tx) error {
		until = time.Time{}
		if err := tx.AddLoginFailure(lockName, now, remoteAddr); err != nil {
			return err
		}
		// Whoever failed is not known: the anonymous public.
		if err := a.audit(ctx, tx, (*auth.Principal)(nil).Actor(), action, object,
			map[string]any{"reason": reason, "remote_addr": remoteAddr}); err != nil {
			return err
		}
		fails, err := tx.LoginFailures(ctx, lockName, lock.Since(now))
		if err != nil {
			return err
		}
		locked, end := lock.Check(fails, now)
		if !locked {
			return nil
		}
		until = end
		return a.audit(ctx, tx, ActorSystem, ActionLockout, object,
			map[string]any{"until": end, "failures": len(fails), "remote_addr": remoteAddr})
	})
	switch {
	case err != nil:
		return err
	case !until.IsZero():
		a.Log.Warn("sign-in locked", "object", object, "until", until, "remote_addr", remoteAddr)
		return auth.LockedError(until.In(time.Local))
	}
	return refusal
}

// Session returns the principal of a signed-in session at now, applying
// auth.DefaultSessionPolicy (30 minutes idle, 12 hours at most): an ended session is deleted
// and refused with the reason. Activity is recorded at most once a minute. The user is loaded
// on every call, so a change of roles or department applies at once and a disabled user is
// refused.
func (a *App) Session(ctx context.Context, id string, now time.Time) (*auth.Principal, error) {
	if !auth.ValidSessionID(id) {
		return nil, ErrNotSignedIn
	}
	key := auth.SessionKey(id)
	s, err := a.Store.SessionByKey(ctx, key)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil, ErrNotSignedIn
	} else if err != nil {
		return nil, err
	}
	pol := auth.DefaultSessionPolicy
	end := func(why error) (*auth.Principal, error) {
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(key) }); err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
			return nil, err
		}
		return nil, why
	}
	if err := pol.Check(s.CreatedAt, s.LastSeenAt, now); err != nil {
		return end(err)
	}
	if s.SubjectKey != "" { // a subject's self-service session (UserID 0)
		p, err := a.subjectSessionPrincipal(ctx, s.SubjectKey)
		if credit.ErrorCode(err) == credit.ENOTFOUND {
			return end(ErrNotSignedIn)
		} else if err != nil {
			return nil, err
		}
		if pol.NeedsTouch(s.LastSeenAt, now) {
			if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.TouchSession(key, now.UTC()) }); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
	u, err := a.Store.UserByID(ctx, s.UserID)
	if credit.ErrorCode(err) == credit.ENOTFOUND || err == nil && u.Disabled {
		return end(ErrNotSignedIn)
	} else if err != nil {
		return nil, err
	}
	if pol.NeedsTouch(s.LastSeenAt, now) {
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.TouchSession(key, now.UTC()) }); err != nil {
			return nil, err
		}
	}
	return UserPrincipal(u), nil
}

// Logout ends a session. An unknown or malformed id is not an error: the user is signed out
// either way.
func (a *App) Logout(ctx context.Context, id string) error {
	if !auth.ValidSessionID(id) {
		return nil
	}
	err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(auth.SessionKey(id)) })
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil
	}
	return err
}

// ---- API tokens (接口令牌) ----

// IssueToken makes a new API token for a department, with the scopes it needs and an expiry
// at most a year away. plain is the token itself: show it once, it is never stored (only its
// SHA-256) and cannot be shown again.
func (a *App) IssueToken(ctx context.Context, actor, dept, name string, scopes []auth.Scope, expires time.Time) (string, *auth.Token, error) {
	dept = strings.ToLower(strings.TrimSpace(dept))
	name, err := cleanText("name", name, maxTokenName)
	if err != nil {
		return "", nil, err
	}
	// ParseScopes holds the one definition of a valid scope list and its messages.
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	clean, err := auth.ParseScopes(strings.Join(names, ","))
	if err != nil {
		return "", nil, err
	}
	now := a.Now().UTC()
	if err := auth.CheckExpiry(expires, now); err != nil {
		return "", nil, err
	}
	plain, hash, err := auth.NewToken(dept, rand.Reader)
	if err != nil {
		return "", nil, err
	}
	if actor == "" {
		actor = ActorSystem
	}
	t := &auth.Token{Dept: dept, Name: name, Hash: hash, Scopes: clean, ExpiresAt: expires.UTC(), CreatedBy: actor, CreatedAt: now}
	err = a.update(ctx, func(tx store.Tx) error {
		if err := activeDept(ctx, tx, dept); err != nil {
			return err
		}
		if err := partnerScopes(ctx, tx, dept, clean); err != nil {
			return err
		}
		if err := tx.InsertToken(t); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionTokenIssue, tokenObject(t.ID), map[string]any{"dept": dept, "name": name,
			"scopes": clean, "expires_at": t.ExpiresAt})
	})
	if err != nil {
		return "", nil, err
	}
	return plain, t, nil
}

func tokenObject(id int64) string { return "token:" + strconv.FormatInt(id, 10) }

// Tokens lists the API tokens of a department ("" for all), newest first. Only their
// descriptions: the tokens themselves are never stored.
func (a *App) Tokens(ctx context.Context, dept string) ([]*auth.Token, error) {
	return a.Store.Tokens(ctx, dept)
}

// RevokeToken revokes an API token at once. Revoking a revoked token is ECONFLICT.
func (a *App) RevokeToken(ctx context.Context, actor string, id int64) (*auth.Token, error) {
	var t *auth.Token
	err := a.update(ctx, func(tx store.Tx) error {
		all, err := tx.Tokens(ctx, "")
		if err != nil {
			return err
		}
		t = nil
		for _, x := range all {
			if x.ID == id {
				t = x
			}
		}
		switch {
		case t == nil:
			return credit.Errorf(credit.ENOTFOUND, "令牌 %d 不存在 / no such token", id)
		case !t.RevokedAt.IsZero():
			return credit.Errorf(credit.ECONFLICT, "令牌 %d 已于 %s 吊销 / the token was already revoked", id, t.RevokedAt.Local().Format("2006-01-02 15:04"))
		}
		t.RevokedAt = a.Now().UTC()
		if err := tx.UpdateToken(t); err != nil {
			return err
		}
		a.tokens.drop(id)
		return a.audit(ctx, tx, actor, ActionTokenRevoke, tokenObject(id), map[string]any{"dept": t.Dept, "name": t.Name})
	})
	if err != nil {
		return nil, err
	}
	a.tokens.drop(id) // again after the commit: a request may have cached it in between
	return t, nil
}

// AuthenticateToken returns the principal of a presented API token at now: well-formed, known,
// not revoked or expired, and of the department it names. Its last use is recorded at most
// once a minute. Every refusal is EUNAUTH with the reason (auth.ErrToken…).
func (a *App) AuthenticateToken(ctx context.Context, plain string, now time.Time) (*auth.Principal, error) {
	dept, ok := auth.ParseToken(plain)
	if !ok {
		return nil, auth.ErrTokenInvalid
	}
	hash := auth.TokenHash(plain)
	clock := a.tokens.now()
	t, cached := a.tokens.get(hash, clock)
	if !cached {
		var err error
		t, err = a.Store.TokenByHash(ctx, hash)
		if credit.ErrorCode(err) == credit.ENOTFOUND {
			return nil, auth.ErrTokenInvalid
		} else if err != nil {
			return nil, err
		}
		a.tokens.put(t, clock)
	}
	if t.Dept != dept {
		return nil, auth.ErrTokenInvalid
	}
	if err := t.Valid(now); err != nil {
		return nil, err
	}
	if now.Sub(t.LastUsedAt) >= tokenTouchEvery {
		// Read the token again inside the transaction: UpdateToken writes the revocation
		// too, and a revocation committed since the read above must not be undone.
		err := a.Store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.TokenByHash(ctx, hash)
			if err != nil {
				return err
			}
			if err := cur.Valid(now); err != nil {
				return err
			}
			cur.LastUsedAt = now.UTC()
			t = cur
			return tx.UpdateToken(cur)
		})
		if err != nil {
			return nil, err
		}
		a.tokens.put(t, clock)
	}
	return t.Principal(), nil
}

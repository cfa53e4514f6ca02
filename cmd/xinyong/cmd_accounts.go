package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// cliActor names the operator in the audit trail: "cli:<$USER>".
func cliActor(e *env) string { return app.CLIActor(e.getenv("USER")) }

// readPassword reads a new password: the first line of stdin with --password-stdin, else
// twice without echo from the terminal. There is no default password anywhere.
func readPassword(e *env, fromStdin bool) (string, error) {
	if fromStdin {
		br := bufio.NewReader(io.LimitReader(e.stdin, auth.MaxPasswordBytes+3))
		line, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if pw == "" {
			return "", credit.Errorf(credit.EINVALID, "标准输入中没有密码 / no password on standard input")
		}
		return pw, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) { // #nosec G115 -- a file descriptor fits an int
		return "", credit.Errorf(credit.EINVALID, "标准输入不是终端：请用 --password-stdin 从标准输入提供密码 / "+
			"standard input is not a terminal: pass the password on standard input with --password-stdin")
	}
	fd := int(f.Fd()) // #nosec G115 -- as above
	fmt.Fprint(e.stderr, "新密码 / new password: ")
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "再次输入 / again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(pw) != string(again) {
		return "", credit.Errorf(credit.EINVALID, "两次输入的密码不一致 / the passwords do not match")
	}
	return string(pw), nil
}

// createOutput opens -o FILE for writing (never over an existing file), or stdout.
func createOutput(e *env, path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304 G703 -- the operator's own output file argument
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// fail prints err's message (Chinese first) and exits 1.
func fail(e *env, err error) error {
	fmt.Fprintln(e.stderr, credit.ErrorMessage(err))
	return exitCode(1)
}

func cmdDept(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("dept", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	code := fs.String("code", "", "部门代码，如 fgw / department code")
	name := fs.String("name", "", "中文名称 / Chinese name")
	nameEN := fs.String("name-en", "", "英文名称 / English name")
	level := fs.String("level", "", "级别 city、county 或 partner（授权合作机构；默认 city）/ level")
	parent := fs.String("parent", "", "上级部门代码 / parent department code")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong dept add --code C --name 名称 [--name-en N] [--level city|county|partner] [--parent P]\n"+
			"       xinyong dept update --code C [--name 名称] [--name-en N] [--level L] [--parent P]\n"+
			"       xinyong dept list [--json]")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	ds, err := a.Departments(ctx)
	if err != nil {
		return err
	}
	switch rest[0] {
	case "list":
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(ds)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "代码 code\t名称 name\t级别 level\t上级 parent\t状态 status")
		for _, d := range ds {
			status := "启用 active"
			if d.Disabled {
				status = "停用 disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Code, strings.TrimSpace(d.NameZH+" "+d.NameEN), d.Level, d.Parent, status)
		}
		return tw.Flush()
	case "add", "update":
		if *code == "" {
			return usage()
		}
		var d store.Department
		var old *store.Department
		for i := range ds {
			if ds[i].Code == strings.ToLower(strings.TrimSpace(*code)) {
				old = &ds[i]
			}
		}
		switch {
		case rest[0] == "add" && old != nil:
			return fail(e, credit.Errorf(credit.ECONFLICT, "部门 %s 已存在，修改请用 xinyong dept update / the department exists: use dept update", *code))
		case rest[0] == "update" && old == nil:
			return fail(e, credit.Errorf(credit.ENOTFOUND, "部门 %s 不存在 / no such department", *code))
		case old != nil:
			d = *old
		}
		d.Code = *code
		set := func(dst *string, v string) {
			if v != "" || old == nil {
				*dst = v
			}
		}
		set(&d.NameZH, *name)
		set(&d.NameEN, *nameEN)
		set(&d.Level, *level)
		set(&d.Parent, *parent)
		if err := a.PutDepartment(ctx, cliActor(e), d); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已保存部门 / saved department: %s %s\n", strings.ToLower(d.Code), d.NameZH)
		return nil
	}
	return usage()
}

// parseRoles reads "admin,submitter" (or Chinese role names).
func parseRoles(s string) ([]auth.Role, error) {
	var roles []auth.Role
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := auth.ParseRole(part)
		if err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	return roles, nil
}

// codeList joins role or scope codes with commas, as the flags take them.
func codeList[T ~string](codes []T) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

func cmdUser(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	username := fs.String("username", "", "登录名 / user name")
	name := fs.String("name", "", "姓名 / full name")
	dept := fs.String("dept", "", "所属部门代码 / department code")
	roles := fs.String("roles", "", "角色，逗号分隔：admin, submitter, reviewer, clerk, auditor / roles, comma-separated")
	pwStdin := fs.Bool("password-stdin", false, "从标准输入读取密码（第一行）/ read the password from the first line of stdin")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong user add --username U --name 姓名 --dept D --roles admin,submitter [--password-stdin]\n"+
			"       xinyong user list [--dept D] [--json]\n"+
			"       xinyong user update U [--name 姓名] [--dept D] [--roles R,…]\n"+
			"       xinyong user disable U | enable U | reset-password U [--password-stdin]")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usage()
	}
	act := rest[0]
	switch {
	case act == "add" && len(rest) == 1 && *username != "" && *name != "" && *dept != "" && *roles != "":
	case act == "list" && len(rest) == 1:
	case (act == "disable" || act == "enable" || act == "reset-password") && len(rest) == 2:
	case act == "update" && len(rest) == 2 && (*name != "" || *dept != "" || *roles != ""):
	default:
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	actor := cliActor(e)
	switch act {
	case "add":
		rs, err := parseRoles(*roles)
		if err != nil {
			return fail(e, err)
		}
		// Check the policy before asking twice on a terminal; AddUser checks again.
		uname, err := app.CleanUsername(*username)
		if err != nil {
			return fail(e, err)
		}
		pw, err := readPassword(e, *pwStdin)
		if err != nil {
			return fail(e, err)
		}
		if err := auth.CheckPasswordPolicy(pw, uname); err != nil {
			return fail(e, err)
		}
		u, err := a.AddUser(ctx, actor, uname, *name, *dept, rs, pw)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已添加用户 / added user %s（%s，部门 dept %s，角色 roles %s）\n", u.Username, u.Name, u.Dept, codeList(u.Roles))
	case "list":
		us, err := a.Users(ctx, *dept)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(us)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t用户名 username\t姓名 name\t部门 dept\t角色 roles\t状态 status\t创建 created")
		for _, u := range us {
			status := "启用 active"
			if u.Disabled {
				status = "停用 disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Name, u.Dept, codeList(u.Roles), status,
				u.CreatedAt.Local().Format("2006-01-02"))
		}
		return tw.Flush()
	case "update":
		var rs []auth.Role // nil keeps the roles
		if *roles != "" {
			if rs, err = parseRoles(*roles); err != nil {
				return fail(e, err)
			}
		}
		u, err := a.UpdateUser(ctx, actor, rest[1], *name, *dept, rs)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已更新用户 / updated user %s（%s，部门 dept %s，角色 roles %s）\n", u.Username, u.Name, u.Dept, codeList(u.Roles))
	case "disable":
		if err := a.DisableUser(ctx, actor, rest[1]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已停用用户并结束其全部会话 / disabled user %s and ended its sessions\n", rest[1])
	case "enable":
		if err := a.EnableUser(ctx, actor, rest[1]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已启用用户 / enabled user %s\n", rest[1])
	case "reset-password":
		pw, err := readPassword(e, *pwStdin)
		if err != nil {
			return fail(e, err)
		}
		if err := a.ResetPassword(ctx, actor, rest[1], pw); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已重置密码并结束其全部会话 / reset the password of %s and ended its sessions\n", rest[1])
	}
	return nil
}

// parseDay reads a date (2026-11-23) in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, credit.Errorf(credit.EINVALID, "日期格式应为 2026-11-23 / a date must look like 2026-11-23: %q", s)
	}
	return t, nil
}

func cmdToken(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	dept := fs.String("dept", "", "部门代码 / department code")
	name := fs.String("name", "", "用途，如 双公示自动报送 / what the token is for")
	scopes := fs.String("scopes", "", "权限范围，逗号分隔："+codeList(auth.AllScopes)+" / scopes")
	expires := fs.String("expires", "", "有效期至（含当日），最长一年，如 2027-06-30 / valid through this day, at most a year")
	tz := fs.String("tz", "Asia/Shanghai", "有效期所用时区 / time zone of the expiry date")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong token issue --dept D --name N --scopes records:write[,…] --expires 2027-06-30\n"+
			"       xinyong token list [--dept D] [--json]\n"+
			"       xinyong token revoke ID")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usage()
	}
	act := rest[0]
	switch {
	case act == "issue" && len(rest) == 1 && *dept != "" && *name != "" && *scopes != "" && *expires != "":
	case act == "list" && len(rest) == 1:
	case act == "revoke" && len(rest) == 2:
	default:
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch act {
	case "issue":
		sc, err := auth.ParseScopes(*scopes)
		if err != nil {
			return fail(e, err)
		}
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return fail(e, credit.Errorf(credit.EINVALID, "未知时区 / unknown time zone %q", *tz))
		}
		day, err := parseDay(*expires, loc)
		if err != nil {
			return fail(e, err)
		}
		// Valid through the whole of the given day.
		plain, t, err := a.IssueToken(ctx, cliActor(e), *dept, *name, sc, day.AddDate(0, 0, 1))
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已签发令牌 / issued token %d（部门 dept %s，用途 %s，权限 scopes %s，有效期至 expires %s）\n\n", t.ID, t.Dept, t.Name,
			codeList(t.Scopes), t.ExpiresAt.In(loc).Format("2006-01-02 15:04 MST"))
		fmt.Fprintf(e.stdout, "    %s\n\n", plain)
		fmt.Fprintln(e.stdout, "请立即妥善保存：该令牌只显示这一次，平台不保存明文，无法再次查看；遗失请吊销后重新签发。\n"+
			"Store it now: the token is shown only this once and cannot be shown again; if lost, revoke it and issue a new one.")
	case "list":
		ts, err := a.Tokens(ctx, *dept)
		if err != nil {
			return err
		}
		if *asJSON {
			type row struct {
				ID         int64        `json:"id"`
				Dept       string       `json:"dept"`
				Name       string       `json:"name"`
				Scopes     []auth.Scope `json:"scopes"`
				ExpiresAt  time.Time    `json:"expires_at"`
				RevokedAt  time.Time    `json:"revoked_at,omitzero"`
				CreatedBy  string       `json:"created_by"`
				CreatedAt  time.Time    `json:"created_at"`
				LastUsedAt time.Time    `json:"last_used_at,omitzero"`
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetEscapeHTML(false)
			for _, t := range ts {
				if err := enc.Encode(row{t.ID, t.Dept, t.Name, t.Scopes, t.ExpiresAt, t.RevokedAt, t.CreatedBy, t.CreatedAt, t.LastUsedAt}); err != nil {
					return err
				}
			}
			return nil
		}
		now := time.Now()
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t部门 dept\t用途 name\t权限 scopes\t有效期至 expires\t状态 status\t最近使用 last used\t签发人 by")
		for _, t := range ts {
			status := "有效 valid"
			switch {
			case errors.Is(t.Valid(now), auth.ErrTokenRevoked):
				status = "已吊销 revoked"
			case t.Valid(now) != nil:
				status = "已过期 expired"
			}
			last := "-"
			if !t.LastUsedAt.IsZero() {
				last = t.LastUsedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Dept, t.Name, codeList(t.Scopes),
				t.ExpiresAt.Local().Format("2006-01-02 15:04 MST"), status, last, t.CreatedBy)
		}
		return tw.Flush()
	case "revoke":
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return fail(e, credit.Errorf(credit.EINVALID, "令牌编号须为数字 / the token id must be a number: %q", rest[1]))
		}
		t, err := a.RevokeToken(ctx, cliActor(e), id)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已吊销令牌 / revoked token %d（%s %s）\n", t.ID, t.Dept, t.Name)
	}
	return nil
}

func cmdQueryLog(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("querylog", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	subject := fs.String("subject", "", "被查询主体的代码（统一社会信用代码或身份证号）/ the subject's code")
	actor := fs.String("actor", "", "查询者，如 user:12、token:7@fgw / who read")
	from := fs.String("from", "", "起始日期（含）/ from this day")
	to := fs.String("to", "", "截止日期（含）/ through this day")
	tz := fs.String("tz", "Asia/Shanghai", "日期所用时区 / time zone of the dates")
	out := fs.String("o", "", "输出文件；默认标准输出 / output file, default stdout")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "export" && rest[0] != "seal" && rest[0] != "verify") {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong querylog export [--subject CODE] [--actor A] [--from DATE] [--to DATE] [-o FILE]\n"+
			"       xinyong querylog seal [--to DATE]   封存已结束的日期 / seal the days that are over (default: through yesterday)\n"+
			"       xinyong querylog verify             核对已封存的日期 / check every sealed day (exit 1 when one changed)")
		return exitCode(2)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fail(e, credit.Errorf(credit.EINVALID, "未知时区 / unknown time zone %q", *tz))
	}
	if rest[0] != "export" {
		return queryLogSealCmd(ctx, e, &c, rest[0], *to, loc)
	}
	f := store.QueryLogFilter{Actor: strings.TrimSpace(*actor)}
	if *from != "" {
		if f.From, err = parseDay(*from, loc); err != nil {
			return fail(e, err)
		}
	}
	if *to != "" {
		d, err := parseDay(*to, loc)
		if err != nil {
			return fail(e, err)
		}
		f.To = d.AddDate(0, 0, 1)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if *subject != "" {
		if f.SubjectKey, err = a.SubjectKeyOf(ctx, *subject); err != nil {
			return fail(e, err)
		}
	}
	w, closeOut, err := createOutput(e, *out)
	if err != nil {
		return err
	}
	n, err := a.ExportQueryLogs(ctx, w, f)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "已导出 %d 条查询记录 / exported %d query-log entries\n", n, n)
	return nil
}

// queryLogSealCmd seals the query log's finished days, or verifies the sealed ones.
func queryLogSealCmd(ctx context.Context, e *env, c *config, action, to string, loc *time.Location) error {
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if action == "seal" {
		through := a.Now()
		if to != "" {
			if through, err = parseDay(to, loc); err != nil {
				return fail(e, err)
			}
		}
		seals, err := a.SealQueryLogs(ctx, cliActor(e), through, loc)
		for _, s := range seals {
			fmt.Fprintf(e.stdout, "%s  %d 条 / entries  %s\n", s.Day, s.Entries, s.Digest)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "已封存 %d 天 / sealed %d days\n", len(seals), len(seals))
		return nil
	}
	checks, err := a.VerifyQueryLogs(ctx, loc)
	if err != nil {
		return err
	}
	broken := 0
	for _, ch := range checks {
		if !ch.OK {
			broken++
			fmt.Fprintf(e.stdout, "%s  不符 / CHANGED: 封存时 sealed %d 条 entries %s, 现在 now %d 条 entries %s\n",
				ch.Sealed.Day, ch.Sealed.Entries, ch.Sealed.Digest, ch.Now.Entries, ch.Now.Digest)
		}
	}
	fmt.Fprintf(e.stdout, "已核对 %d 天，%d 天不符 / checked %d sealed days, %d changed\n", len(checks), broken, len(checks), broken)
	if broken > 0 {
		return exitCode(1)
	}
	return nil
}

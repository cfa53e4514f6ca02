package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// Lists, measures and window checks at the command line: `xinyong list …`, `xinyong measure
// …`, `xinyong check CODE --matter M`, `xinyong verify FILE --matter M -o OUT`. The operator
// acts as the platform's own operator (cli:<user>) for the department --dept.

func cmdList(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	list := fs.String("list", "", "名单类型 / list type")
	status := fs.String("status", "", "条目状态 / entry status (proposed, confirmed, published, removed, expired)")
	dept := fs.String("dept", "fgw", "以该部门身份操作 / act for this department")
	code := fs.String("code", "", "主体代码 / subject code")
	name := fs.String("name", "", "主体名称 / subject name")
	reason := fs.String("reason", "", "列入或移出理由 / reason")
	doc := fs.String("document", "", "认定文书号 / decision document")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong list types\n"+
			"       xinyong list entries [--list L] [--status S]\n"+
			"       xinyong list propose --list L --code C --name N --reason R [--document D] [--dept D]\n"+
			"       xinyong list confirm ID\n"+
			"       xinyong list publish LIST [ID…]\n"+
			"       xinyong list remove ID --reason R\n"+
			"       xinyong list load FILE --list L [--dept D]   (CSV/XLSX: code,name,reason,document,source_id)\n"+
			"       xinyong list expire\n"+
			"       xinyong list derive LIST   (按名单规则提出拟列入 / propose entries by the list's rule)")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	p := app.CLIPrincipal(e.getenv("USER"), *dept)
	idArg := func() (int64, error) {
		if len(rest) != 2 {
			return 0, usage()
		}
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return 0, usage()
		}
		return id, nil
	}
	switch rest[0] {
	case "types":
		jc, err := a.Joint(ctx)
		if err != nil {
			return err
		}
		counts, err := a.Store.CountEntries(ctx, credit.EntryPublished)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "代码 code\t名称 name\t性质 polarity\t认定部门 dept\t有效期 months\t公开 public\t修复移出 repair_removes\t有效条目 in force")
		for _, lt := range jc.ListTypes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%v\t%v\t%d\n", lt.Code, lt.NameZH, lt.Direction, lt.Dept, lt.ValidMonths, lt.Public, lt.RepairRemoves, counts[lt.Code])
		}
		return tw.Flush()
	case "entries":
		es, err := a.Store.ListEntries(ctx, store.EntryFilter{List: *list, Status: credit.EntryStatus(*status), Limit: 1000})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "编号 id\t名单 list\t主体 subject\t代码 code\t状态 status\t批次 batch\t有效期至 until\t理由 reason")
		for _, en := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", en.ID, en.List, en.SubjectName, en.SubjectCode, en.Status, en.BatchNo,
				day(en.ValidUntil), en.Reason)
		}
		return tw.Flush()
	case "propose":
		en, err := a.ProposeEntry(ctx, p, app.EntryInput{List: *list, Code: *code, Name: *name, Reason: *reason, Document: *doc})
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已提出拟列入 / proposed: entry %d (%s)\n", en.ID, en.List)
	case "confirm":
		id, err := idArg()
		if err != nil {
			return err
		}
		if _, err := a.ConfirmEntry(ctx, p, id); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已确认 / confirmed: entry %d\n", id)
	case "publish":
		if len(rest) < 2 {
			return usage()
		}
		var ids []int64
		for _, s := range rest[2:] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return usage()
			}
			ids = append(ids, id)
		}
		b, err := a.PublishBatch(ctx, p, rest[1], ids)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已发布 / published: %s %s（%d 条 entries）\n", b.List, b.Title, b.Entries)
	case "remove":
		id, err := idArg()
		if err != nil {
			return err
		}
		if _, err := a.RemoveEntry(ctx, p, id, *reason); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已移出 / removed: entry %d\n", id)
	case "load":
		if len(rest) != 2 || *list == "" {
			return usage()
		}
		next, closeFile, err := entryRows(rest[1])
		if err != nil {
			return fail(e, err)
		}
		defer closeFile()
		n, skipped, b, err := a.LoadEntryStream(ctx, cliActor(e), *list, "", next)
		if err != nil {
			if n > 0 {
				fmt.Fprintf(e.stderr, "出错前已载入 / loaded before the error: %d（批次 / batch %s）；改正后重新载入即可，已载入的将跳过 / fix the file and load it again: loaded entries are skipped\n", n, b.Title)
			}
			return fail(e, err)
		}
		title := "-"
		if b != nil {
			title = b.Title
		}
		fmt.Fprintf(e.stdout, "已载入 / loaded: %d，已存在跳过 / already present: %d，批次 / batch: %s\n", n, skipped, title)
	case "derive":
		if len(rest) != 2 {
			return usage()
		}
		res, err := a.DeriveList(ctx, p, rest[1])
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "规则认定 / rule run %s: 评估 %d，符合 %d，新提出 %d，无法评估 %d / evaluated, matched, proposed, errors\n",
			res.List, res.Subjects, res.Matched, res.Proposed, res.Errors)
	case "expire":
		n, err := a.ExpireEntries(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "到期移出 / expired: %d\n", n)
	default:
		return usage()
	}
	return nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// entryRows opens a file of decided entries, columns code, name, reason, document, source_id
// by header name (代码/名称/理由/文书号/来源编号 too), and returns its rows one at a time,
// io.EOF after the last.
func entryRows(path string) (next func() (app.EntryInput, error), closeFile func(), err error) {
	r, err := format.Open(path, format.Options{Format: format.Detect(filepath.Base(path), nil)})
	if err != nil {
		return nil, nil, err
	}
	idx := map[string]int{}
	alias := map[string]string{"代码": "code", "subject_code": "code", "名称": "name", "subject_name": "name", "理由": "reason",
		"文书号": "document", "来源编号": "source_id"}
	for i, h := range r.Header() {
		h = strings.ToLower(h)
		if a, ok := alias[h]; ok {
			h = a
		}
		idx[h] = i
	}
	if _, ok := idx["code"]; !ok {
		r.Close()
		return nil, nil, credit.Errorf(credit.EINVALID, "文件缺少 code 列 / the file has no code column")
	}
	get := func(vals []string, col string) string {
		if i, ok := idx[col]; ok && i < len(vals) {
			return vals[i]
		}
		return ""
	}
	next = func() (app.EntryInput, error) {
		row, err := r.Next()
		if err != nil {
			return app.EntryInput{}, err // io.EOF at the end
		}
		if row.Err != nil {
			return app.EntryInput{}, row.Err
		}
		return app.EntryInput{Code: get(row.Values, "code"), Name: get(row.Values, "name"), Reason: get(row.Values, "reason"),
			Document: get(row.Values, "document"), SourceID: get(row.Values, "source_id")}, nil
	}
	return next, func() { r.Close() }, nil
}

func cmdMeasure(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong measure list | activate CODE | deactivate CODE")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || (rest[0] != "list" && len(rest) != 2) {
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	p := app.CLIPrincipal(e.getenv("USER"), "fgw")
	switch rest[0] {
	case "list":
		jc, err := a.Joint(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "编号 code\t措施 measure\t性质 polarity\t效果 effect\t实施部门 dept\t启用 active\t依据 basis")
		for _, m := range jc.Measures {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", m.Code, m.NameZH, m.Direction, m.Effect, m.Dept, m.Active, m.Basis)
		}
		return tw.Flush()
	case "activate", "deactivate":
		m, err := a.SetMeasureActive(ctx, p, rest[1], rest[0] == "activate")
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "%s active=%v\n", m.Code, m.Active)
	default:
		return usage()
	}
	return nil
}

func cmdCheck(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	matter := fs.String("matter", "", "办理事项（应用清单代码，如 gov_procurement）/ the matter")
	dept := fs.String("dept", "fgw", "核查部门 / checking department")
	asJSON := fs.Bool("json", false, "输出 JSON / print JSON")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || *matter == "" {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong check CODE… --matter M [--dept D] [--json]")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	res, err := a.CheckSubjects(ctx, app.CLIPrincipal(e.getenv("USER"), *dept), app.CheckRequest{Codes: rest, Matter: *matter})
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, it := range res.Items {
		if !it.Valid {
			fmt.Fprintf(e.stdout, "%s\t无效 invalid: %s\n", it.Input, it.Reason)
			continue
		}
		fmt.Fprintf(e.stdout, "%s %s\t结论 verdict: %s\t核查 check #%d\n", it.Input, it.Name, it.Verdict, it.CheckID)
		if it.Note != "" {
			fmt.Fprintf(e.stdout, "  %s\n", it.Note)
		}
		for _, l := range it.Lists {
			fmt.Fprintf(e.stdout, "  名单 list: %s（%s）\n", l.ListName, l.List)
		}
		for _, m := range it.Measures {
			fmt.Fprintf(e.stdout, "  措施 measure %s %s [%s] — %s\n", m.Code, m.NameZH, m.Effect, m.Basis)
		}
		for _, x := range it.Exempted {
			fmt.Fprintf(e.stdout, "  豁免 exempt %s: %s\n", x.Code, x.Reason)
		}
	}
	return nil
}

func cmdVerify(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	matter := fs.String("matter", "", "办理事项 / the matter")
	dept := fs.String("dept", "fgw", "核查部门 / checking department")
	out := fs.String("o", "", "结果文件（.csv 或 .xlsx；默认标准输出）/ result file (.csv or .xlsx; default stdout)")
	quiet := fs.Bool("q", false, "不显示进度 / no progress bar")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *matter == "" {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong verify FILE --matter M [-o OUT.csv|OUT.xlsx]")
		return exitCode(2)
	}
	reservePageCache(e, &c, sqliteCacheMB(e.getenv))
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	w, closeOut, err := createOutput(e, *out)
	if err != nil {
		return err
	}
	of := format.CSV
	if strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		of = format.XLSX
	}
	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("核查 verifying"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	start := time.Now()
	b, err := a.Verify(ctx, app.CLIPrincipal(e.getenv("USER"), *dept), app.VerifyRequest{Path: rest[0], FileName: filepath.Base(rest[0]),
		Matter: *matter, Out: w, OutFormat: of}, func(b *store.CheckBatch) {
		if bar != nil {
			_ = bar.Set64(b.Done)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stderr, "批量核查 #%d：%d 个代码，在名单 %d，拦截 %d，提示 %d，问题行 %d，用时 %s / codes, listed, blocked, warned, bad rows, time\n",
		b.ID, b.Total, b.Found, b.Blocked, b.Warned, b.BadRows, time.Since(start).Round(time.Millisecond))
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	dept := fs.String("dept", "", "报送部门代码 / department code (required)")
	item := fs.String("item", "", "目录信息项代码 / catalog item code (required)")
	ff := fs.String("format", "", "csv, xlsx or jsonl; default: from the file")
	enc := fs.String("encoding", "", "CSV 编码 utf-8 或 gb18030；默认自动识别 / CSV encoding, default auto")
	sheet := fs.String("sheet", "", "XLSX 工作表 / sheet, default the first")
	quiet := fs.Bool("q", false, "不显示进度条 / no progress bar")
	by := fs.String("by", cliActor(e), "提交人 / submitted by")
	files, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if *dept == "" || *item == "" || len(files) == 0 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong import --dept D --item I FILE...")
		return exitCode(2)
	}
	reservePageCache(e, &c, bulkCacheMB(e.getenv))
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	failed := false
	for _, path := range files {
		var bar *progressbar.ProgressBar
		progress := func(p ingest.Progress) {
			if *quiet {
				return
			}
			if bar == nil {
				bar = progressbar.NewOptions64(p.FileBytes, progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowBytes(true),
					progressbar.OptionSetDescription(path), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			bar.Set64(p.Bytes)
		}
		start := time.Now()
		res, err := a.Import(ctx, ingest.Request{Dept: *dept, Item: *item, Path: path, Format: format.Format(*ff),
			Encoding: format.Encoding(*enc), Sheet: *sheet, SubmittedBy: *by}, progress)
		if bar != nil {
			bar.Finish()
		}
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(e.stderr, "%s: 已中断；再次运行同一命令将从断点继续 / interrupted: run the same command again to resume\n", path)
				return exitCode(1)
			}
			if credit.ErrorCode(err) == credit.EINTERNAL && res != nil && res.Batch != nil && res.Batch.Status == store.BatchRunning {
				// A database or connection failure mid-load: every committed row is kept, and the
				// operator needs the cause and the way on, not just "internal error".
				fmt.Fprintf(e.stderr, "%s: 导入中断（已提交至文件第 %d 行）/ import interrupted after file row %d: %v\n"+
					"  再次运行同一命令将从断点继续，不会重复 / run the same command again to resume; nothing is duplicated\n",
					path, res.Batch.Checkpoint, res.Batch.Checkpoint, err)
			} else {
				fmt.Fprintf(e.stderr, "%s: %s\n", path, credit.ErrorMessage(err))
			}
			failed = true
			continue
		}
		printBatch(e, res, time.Since(start))
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

func printBatch(e *env, res *ingest.Result, took time.Duration) {
	b := res.Batch
	switch {
	case res.Repeat:
		fmt.Fprintf(e.stdout, "批次 %d：该文件已完整导入过，未做任何更改 / batch %d: this file was imported before; nothing changed\n", b.ID, b.ID)
		return
	case res.Resumed && res.ResumedFrom == 0:
		fmt.Fprintf(e.stdout, "批次 %d：上次未提交任何行，从头继续 / batch %d resumed from the start (nothing was committed before)\n", b.ID, b.ID)
	case res.Resumed:
		fmt.Fprintf(e.stdout, "批次 %d：从第 %d 行之后继续 / batch %d resumed after file row %d\n", b.ID, res.ResumedFrom, b.ID, res.ResumedFrom)
	}
	rate := float64(b.Rows-res.RowsBefore) / took.Seconds()
	fmt.Fprintf(e.stdout, "批次 %d  %s/%s  %s\n  读取 rows %d  新增 new %d  新版本 versions %d  未变 unchanged %d  问题数据 rejected %d  (%.1fs, %.0f rows/s)\n",
		b.ID, b.Dept, b.Item, b.FileName, b.Rows, b.Accepted, b.Versions, b.Unchanged, b.Rejected, took.Seconds(), rate)
	if b.Rejected > 0 {
		fmt.Fprintf(e.stdout, "  导出问题数据 / export rejected rows: xinyong rejects %d > rejects.%s\n", b.ID, b.Format)
	}
}

func cmdBatches(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("batches", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	dept := fs.String("dept", "", "部门 / department")
	item := fs.String("item", "", "信息项 / item")
	limit := fs.Int("n", 50, "最多显示 / at most")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	if _, err := parse(fs, e, args); err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	bs, err := st.Batches(ctx, store.BatchFilter{Dept: *dept, Item: *item, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(bs)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t部门 dept\t信息项 item\t状态 status\t读取 rows\t新增 new\t新版本 ver\t未变 same\t问题 rejected\t文件 file\t时间 created")
	for _, b := range bs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", b.ID, b.Dept, b.Item, b.Status, b.Rows, b.Accepted, b.Versions,
			b.Unchanged, b.Rejected, b.FileName, b.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func cmdRejects(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("rejects", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	ff := fs.String("format", "", "csv, xlsx or jsonl; default: the batch's own format")
	out := fs.String("o", "", "输出文件；默认标准输出 / output file, default stdout")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong rejects [-format csv|xlsx|jsonl] [-o FILE] BATCH_ID")
		return exitCode(2)
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "批次号须为数字 / batch id must be a number: %q", rest[0])
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	w, closeOut, err := createOutput(e, *out)
	if err != nil {
		return err
	}
	if err := a.WriteRejects(ctx, id, w, format.Format(*ff)); err != nil {
		closeOut()
		return err
	}
	return closeOut() // a failed close may mean the file is incomplete
}

func cmdCode(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("code", flag.ContinueOnError)
	var c config
	c.flags(fs, e.getenv)
	asJSON := fs.Bool("json", false, "每个代码输出一行 JSON / one JSON object per code")
	offline := fs.Bool("offline", false, "不读取数据库中的例外代码 / do not read registered exceptions")
	codes, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(codes) == 0 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong code [--json] CODE...")
		return exitCode(2)
	}
	isExc := func(string) bool { return false }
	if !*offline {
		// Exceptions live in the store; without a database yet there are none.
		if _, err := os.Stat(c.dbPath()); err == nil || c.isPostgres() {
			st, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			list, err := st.CodeExceptions(ctx)
			st.Close()
			if err != nil {
				return err
			}
			set := map[string]bool{}
			for _, x := range list {
				set[x.Code] = true
			}
			isExc = func(s string) bool { return set[s] }
		}
	}
	bad := false
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for _, code := range codes {
		r := credit.IdentifyCode(code, time.Now(), isExc)
		if r.Type == credit.CodeResidentID {
			// A resident ID is personal information: never echo it whole.
			r.Input, r.Canonical = credit.MaskID(credit.NormalizeCode(r.Input)), credit.MaskID(r.Canonical)
		}
		bad = bad || !r.Valid
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		if r.Valid {
			extra := ""
			if r.Exception {
				extra = "  （已登记的校验例外 / registered exception）"
			}
			fmt.Fprintf(e.stdout, "%s\t有效 valid\t%s\t%s\t%s%s\n", r.Canonical, r.Type, strings.TrimSpace(r.KindZH+" "+string(r.Kind)), r.RegionName, extra)
		} else {
			fmt.Fprintf(e.stdout, "%s\t无效 invalid\t%s\t%s\n", r.Input, r.Type, r.Reason)
		}
	}
	if bad {
		return exitCode(1)
	}
	return nil
}

func cmdCodeException(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("code-exception", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	note := fs.String("note", "", "登记理由（发证机关、文号等）/ reason (issuing authority, document)")
	by := fs.String("by", cliActor(e), "操作人 / operator")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong code-exception add --note N CODE | list | remove CODE")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch {
	case rest[0] == "list":
		list, err := a.Store.CodeExceptions(ctx)
		if err != nil {
			return err
		}
		for _, x := range list {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", x.Code, x.Note, x.CreatedBy, x.CreatedAt.Local().Format("2006-01-02"))
		}
		return nil
	case rest[0] == "add" && len(rest) == 2:
		x, err := a.AddCodeException(ctx, rest[1], *note, *by)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已登记 / registered: %s\n", x.Code)
		return nil
	case rest[0] == "remove" && len(rest) == 2:
		return a.RemoveCodeException(ctx, rest[1], *by)
	}
	fmt.Fprintln(e.stderr, "用法 / usage: xinyong code-exception add --note N CODE | list | remove CODE")
	return exitCode(2)
}

func cmdCatalog(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	note := fs.String("note", "", "版本说明 / note for the new version")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong catalog export [FILE] | import [--note N] FILE | versions | default")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usage()
	}
	if rest[0] == "default" { // the embedded default, no database needed
		d, err := catalog.Default()
		if err != nil {
			return err
		}
		return catalog.Write(e.stdout, d)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch rest[0] {
	case "export":
		path := ""
		if len(rest) > 1 {
			path = rest[1]
		}
		w, closeOut, err := createOutput(e, path)
		if err != nil {
			return err
		}
		if err := catalog.Write(w, a.Catalog()); err != nil {
			closeOut()
			return err
		}
		return closeOut()
	case "import":
		if len(rest) != 2 {
			return usage()
		}
		f, err := os.Open(rest[1]) // #nosec G703 -- the operator's own FILE argument
		if err != nil {
			return err
		}
		defer f.Close()
		cat, err := catalog.Parse(f)
		if err != nil {
			return err
		}
		cat, err = a.PublishCatalogAs(ctx, cliActor(e), cat, *note)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已发布目录第 %d 版（%d 个信息项）/ published catalog version %d\n", cat.Version, len(cat.Items), cat.Version)
		return nil
	case "versions":
		vs, err := a.Store.CatalogVersions(ctx)
		if err != nil {
			return err
		}
		for _, v := range vs {
			fmt.Fprintf(e.stdout, "%d\t%s\t%d items\t%s\n", v.Version, v.PublishedAt.Local().Format("2006-01-02 15:04"), v.Items, v.Note)
		}
		return nil
	}
	return usage()
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	if _, err := parse(fs, e, args); err != nil {
		return err
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(e.stdout, "数据库已是最新结构，目录第 %d 版 / database is up to date, catalog version %d\n", a.Catalog().Version, a.Catalog().Version)
	return nil
}

func cmdBackup(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong backup FILE")
		return exitCode(2)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	b, ok := st.(interface {
		Backup(context.Context, string) error
	})
	if !ok {
		return credit.Errorf(credit.EINVALID, "该存储请使用数据库自带的备份工具 / use the database's own backup tools for this store")
	}
	start := time.Now()
	if err := b.Backup(ctx, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已备份到 / backed up to %s (%.1fs)\n", rest[0], time.Since(start).Seconds())
	return nil
}

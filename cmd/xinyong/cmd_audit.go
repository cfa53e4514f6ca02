package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
	_ "time/tzdata" // the anchor's day is in the office's zone, also on hosts without zoneinfo

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/credit"
)

func cmdAudit(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	file := fs.String("file", "", "verify：校验导出的 JSON Lines 文件而非数据库 / verify an exported JSON Lines file instead of the database")
	day := fs.String("day", "", "anchor：日期，默认昨天 / anchor: the day, default yesterday")
	tz := fs.String("tz", "Asia/Shanghai", "anchor：信用办所在时区 / anchor: the credit office's time zone")
	from := fs.Int64("from", 1, "export：起始序号 / export: first seq")
	out := fs.String("o", "", "export：输出文件；默认标准输出 / export: output file, default stdout")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong audit verify [--file F.jsonl]\n"+
			"       xinyong audit anchor [--day 2026-11-23] [--tz Asia/Shanghai]\n"+
			"       xinyong audit export [--from N] [-o FILE]")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usage()
	}
	switch rest[0] {
	case "verify", "anchor", "export":
	default:
		return usage()
	}
	if rest[0] == "verify" && *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		checked, brokenAt, err := audit.Verify(audit.ReadJSONL(f))
		return printVerify(e, checked, brokenAt, 0, "", err)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch rest[0] {
	case "verify":
		headSeq, headHash, err := a.Store.AuditHead(ctx)
		if err != nil {
			return err
		}
		checked, brokenAt, err := a.VerifyAudit(ctx)
		return printVerify(e, checked, brokenAt, headSeq, headHash, err)
	case "anchor":
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return fail(e, credit.Errorf(credit.EINVALID, "未知时区 / unknown time zone %q", *tz))
		}
		now := time.Now().In(loc)
		d := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, loc)
		if *day != "" {
			if d, err = parseDay(*day, loc); err != nil {
				return fail(e, err)
			}
		}
		seq, anchor, err := a.AuditAnchor(ctx, d, loc)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s  %s  (至第 %d 条 / through entry %d, %s)\n", d.Format(time.DateOnly), anchor, seq, seq, loc)
		if !now.Before(d) && now.Before(d.AddDate(0, 0, 1)) {
			fmt.Fprintln(e.stderr, "注意：当天尚未结束，锚定值还会变化，请在次日公布 / note: the day is not over; the anchor will change, publish it tomorrow")
		}
		return nil
	case "export":
		w, closeOut, err := createOutput(e, *out)
		if err != nil {
			return err
		}
		n, err := a.ExportAudit(ctx, w, *from)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "已导出 %d 条审计记录 / exported %d audit entries\n", n, n)
	}
	return nil
}

// printVerify reports a verification: entries checked, the head, and OK or the first broken
// entry (exit 1).
func printVerify(e *env, checked, brokenAt, headSeq int64, headHash string, err error) error {
	fmt.Fprintf(e.stdout, "已校验 / checked: %d 条 entries\n", checked)
	if headHash != "" {
		fmt.Fprintf(e.stdout, "链头 / head: 第 %d 条 entry %d  %s\n", headSeq, headSeq, headHash)
	}
	switch {
	case brokenAt > 0:
		fmt.Fprintf(e.stdout, "审计链已损坏：第 %d 条被改动、删除或插入 / BROKEN: the chain breaks at entry %d\n  %s\n", brokenAt, brokenAt, err)
		return exitCode(1)
	case err != nil:
		return err
	}
	fmt.Fprintln(e.stdout, "完好 / OK: 审计链完整 / the audit chain holds")
	return nil
}

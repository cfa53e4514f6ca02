package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
)

// cmdCalendar loads and shows the working-day calendar (工作日历): `calendar load FILE` stores a
// year's holidays and make-up working days as its new version (audited), `calendar show
// [YEAR]` lists the years in force or one year's days.
func cmdCalendar(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("calendar", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong calendar load FILE.json   (- reads standard input)\n"+
			"       xinyong calendar show [YEAR]")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 2 && rest[0] == "load":
	case len(rest) >= 1 && len(rest) <= 2 && rest[0] == "show":
	default:
		return usage()
	}
	var body []byte
	if rest[0] == "load" {
		var r io.Reader = e.stdin
		if rest[1] != "-" {
			f, err := os.Open(rest[1]) // #nosec G304 G703 -- the operator's own FILE argument
			if err != nil {
				return fail(e, err)
			}
			defer f.Close()
			r = f
		}
		if body, err = io.ReadAll(io.LimitReader(r, credit.MaxCalendarBytes+1)); err != nil {
			return fail(e, err)
		}
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if rest[0] == "load" {
		y, err := a.LoadCalendarYear(ctx, cliActor(e), body)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已载入 %d 年工作日历（第 %d 版）：%d 个节假日、%d 个调休上班日 / loaded %d (version %d)\n依据 / source: %s\n",
			y.Year, y.Version, len(y.Holidays), len(y.Makeup), y.Year, y.Version, y.Source)
		return nil
	}
	cal := a.Workdays()
	if len(rest) == 1 {
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "年份 year\t版本 version\t载入 loaded by\t依据 source")
		for _, y := range cal.Years() {
			by := y.LoadedBy
			if by == "" {
				by = "内置 built-in"
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", y.Year, y.Version, by, y.Source)
		}
		fmt.Fprintln(tw, "其他年份按周末规则（周一至周五工作）/ other years: Monday to Friday")
		return tw.Flush()
	}
	var year int
	if _, err := fmt.Sscanf(rest[1], "%d", &year); err != nil {
		return usage()
	}
	for _, y := range cal.Years() {
		if y.Year == year {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(y)
		}
	}
	return fail(e, credit.Errorf(credit.ENOTFOUND, "%d 年未载入，按周末规则计算 / %d is not loaded: the weekend rule applies", year, year))
}

// cmdPublication runs the publication-expiry job by hand (the server runs it every few
// minutes): `publication expire [--dry-run]`.
func cmdPublication(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("publication", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	dry := fs.Bool("dry-run", false, "只统计不修改 / count only, change nothing")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "expire" {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong publication expire [--dry-run]")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	rep, err := a.ExpirePublications(ctx, *dry)
	if err != nil {
		return fail(e, err)
	}
	if *dry {
		fmt.Fprintf(e.stdout, "将停止公示 %d 条记录（试运行，未修改）/ would end publication of %d records (dry run)\n", rep.Records, rep.Records)
		return nil
	}
	fmt.Fprintf(e.stdout, "已停止公示 %d 条记录 / ended publication of %d records\n", rep.Records, rep.Records)
	return nil
}

// rightsJobInterval is how often the server runs the jobs of subjects' rights.
const rightsJobInterval = 10 * time.Minute

// runRightsJobs runs publication expiry and the escalation of overdue cases at start and then
// every rightsJobInterval until ctx ends. Both jobs are idempotent, so several servers may run
// them at once.
func runRightsJobs(ctx context.Context, a *app.App) {
	t := time.NewTicker(rightsJobInterval)
	defer t.Stop()
	for {
		if err := a.RightsJobs(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("jobs of subjects' rights", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

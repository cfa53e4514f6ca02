package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/catalog"
)

// cmdScore runs the scoring engine (信用评分与评级): recompute every score, show one subject's
// scores line by line (a logged read with a purpose), and manage the scorecards — export the
// version in force, preview an edited card on a sample, import (publish) it, list versions.
func cmdScore(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	purpose := fs.String("purpose", "", "查询事由（show 必填）/ purpose of the read (required for show)")
	sample := fs.Int("sample", 1000, "试算样本主体数 / subjects in the preview sample")
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong score recompute\n"+
			"       xinyong score show --purpose P CODE\n"+
			"       xinyong score card export CARD [FILE]\n"+
			"       xinyong score card preview [--sample N] FILE\n"+
			"       xinyong score card import FILE\n"+
			"       xinyong score card versions CARD")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 1 && rest[0] == "recompute":
	case len(rest) == 2 && rest[0] == "show":
	case len(rest) >= 3 && rest[0] == "card" && (rest[1] == "export" && len(rest) <= 4 || len(rest) == 3):
	default:
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch rest[0] {
	case "recompute":
		last := time.Now()
		st, err := a.RecomputeAll(ctx, cliActor(e), func(n int64) {
			if time.Since(last) > 2*time.Second {
				fmt.Fprintf(e.stderr, "  %d …\n", n)
				last = time.Now()
			}
		})
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已重新计算 %d 个主体的 %d 个分数，其中 %d 个变化（等级变化 %d 个），用时 %.1f 秒 / "+
			"recomputed %d scores of %d subjects: %d changed (%d grades) in %.1fs\n",
			st.Subjects, st.Scored, st.Changed, st.GradeChanges, st.Elapsed.Seconds(),
			st.Scored, st.Subjects, st.Changed, st.GradeChanges, st.Elapsed.Seconds())
	case "show":
		sub, views, err := a.SubjectScoresCLI(ctx, cliActor(e), *purpose, rest[1])
		if err != nil {
			return fail(e, err)
		}
		name := sub.Name
		if sub.IsPerson() {
			name = sub.IDMasked
		}
		fmt.Fprintf(e.stdout, "%s（本次查询已登记 / logged in the query log）\n", name)
		for _, v := range views {
			fmt.Fprintf(e.stdout, "\n%s v%d：%d 分，等级 %s\n", v.Card.NameZH, v.Score.Version, v.Score.Total, v.Score.Grade)
			if v.Score.GradeCapped != "" {
				fmt.Fprintf(e.stdout, "  等级受 %s 限制 / grade capped\n", v.Score.GradeCapped)
			}
			fmt.Fprintf(e.stdout, "  基础分 base %d\n", v.Card.Base)
			for _, l := range v.Score.Lines {
				rec := ""
				if l.RecordID != 0 {
					rec = fmt.Sprintf("，记录 record %d", l.RecordID)
				}
				fmt.Fprintf(e.stdout, "  %s%s\n", l.Why, rec)
			}
		}
	case "card":
		return cardAction(ctx, e, a, rest[1:], *sample)
	}
	return nil
}

func cardAction(ctx context.Context, e *env, a *app.App, rest []string, sample int) error {
	switch rest[0] {
	case "export":
		cards, err := a.Scorecards(ctx)
		if err != nil {
			return err
		}
		for _, card := range cards {
			if card.Code != rest[1] {
				continue
			}
			path := ""
			if len(rest) > 2 {
				path = rest[2]
			}
			w, closeOut, err := createOutput(e, path)
			if err != nil {
				return err
			}
			if err := catalog.WriteScorecard(w, card); err != nil {
				closeOut()
				return err
			}
			return closeOut()
		}
		fmt.Fprintf(e.stderr, "未找到评分模型 %q / no such scorecard\n", rest[1])
		return exitCode(1)
	case "preview", "import":
		f, err := os.Open(rest[1]) // #nosec G304 G703 -- the operator's own FILE argument
		if err != nil {
			return err
		}
		body, err := io.ReadAll(io.LimitReader(f, catalog.MaxScorecardSize+1))
		f.Close()
		if err != nil {
			return err
		}
		card, err := a.CheckScorecard(bytes.TrimSpace(body))
		if err != nil {
			return fail(e, err)
		}
		if rest[0] == "import" {
			card, err = a.PublishScorecard(ctx, cliActor(e), card)
			if err != nil {
				return fail(e, err)
			}
			fmt.Fprintf(e.stdout, "已发布评分模型 %s 第 %d 版，自 %s 起生效；请运行 xinyong score recompute / published %s version %d, effective %s; run `xinyong score recompute`\n",
				card.Code, card.Version, card.EffectiveFrom, card.Code, card.Version, card.EffectiveFrom)
			return nil
		}
		p, err := a.PreviewScorecard(ctx, card, sample)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "样本 sample: %d 个主体 subjects，等级将变化 grade changes: %d，分数 range %d–%d，平均 mean %.1f\n",
			p.Sampled, p.Changed, p.MinTotal, p.MaxTotal, p.Mean)
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "等级 grade\t新模型 new\t现行 in force")
		for i, g := range p.Grades {
			cur := "-"
			if i < len(p.Current) && p.Current[i].Grade == g.Grade {
				cur = fmt.Sprint(p.Current[i].Count)
			}
			fmt.Fprintf(tw, "%s %s\t%d\t%s\n", g.Grade, g.Name, g.Count, cur)
		}
		return tw.Flush()
	case "versions":
		vs, err := a.ScorecardVersions(ctx, rest[1])
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "版本 version\t生效 effective\t发布时间 published\t发布人 by")
		for _, v := range vs {
			fmt.Fprintf(tw, "v%d\t%s\t%s\t%s\n", v.Card.Version, v.Card.EffectiveFrom, v.PublishedAt.Local().Format("2006-01-02 15:04 MST"), v.PublishedBy)
		}
		return tw.Flush()
	}
	fmt.Fprintln(e.stderr, "用法 / usage: xinyong score card export|preview|import|versions …")
	return exitCode(2)
}

// cmdConsent shows a person's consents (授权查询) and every use of them, for the credit office
// helping a citizen; the read needs a purpose and is logged. Persons grant and revoke consents
// themselves, at /my/consents.
func cmdConsent(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("consent", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	purpose := fs.String("purpose", "", "查询事由（必填）/ purpose of the read (required)")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 || rest[0] != "list" {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong consent list --purpose P RESIDENT_ID")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	v, err := a.ConsentsCLI(ctx, cliActor(e), *purpose, rest[1])
	if err != nil {
		return fail(e, err)
	}
	now := a.Now()
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号 ref\t授权对象 partner\t范围 scope\t用途 purpose\t到期 expires\t状态 status")
	for _, x := range v.Consents {
		status := "有效 active"
		switch {
		case !x.RevokedAt.IsZero():
			status = "已撤销 revoked"
		case !x.ValidAt(now):
			status = "已过期 expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Partner, x.Scope, x.Purpose, x.ExpiresAt.Local().Format("2006-01-02 15:04 MST"), status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n使用记录 uses: %d\n", len(v.Uses))
	tw = tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	for _, u := range v.Uses {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", u.At.Local().Format("2006-01-02 15:04:05"), u.Partner, u.What, u.Result, u.ConsentID)
	}
	return tw.Flush()
}

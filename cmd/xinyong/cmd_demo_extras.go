package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/demo"
	"github.com/xinyong/xinyong/store"
)

// demoDepartments are the departments and partners the default benefits name as providers
// (catalog/scorecards/benefits.json) that the catalog does not already have.
var demoDepartments = []store.Department{
	{Code: "gjj", NameZH: "市住房公积金管理中心", NameEN: "Housing Provident Fund Centre", Level: app.DeptLevelCity},
	{Code: "bank", NameZH: "合作商业银行", NameEN: "Partner commercial bank", Level: app.DeptLevelPartner},
	{Code: "sinopec", NameZH: "中石化（合作加油站）", NameEN: "Sinopec (partner fuel stations)", Level: app.DeptLevelPartner},
}

// demoAccount is a staff account of the demo, with what it can try.
type demoAccount struct {
	username, name, dept string
	role                 auth.Role
	try                  string // what to open, Chinese / English
}

var demoAccounts = []demoAccount{
	{"admin", "演示管理员", "fgw", auth.RoleAdmin, "全部功能：名单发布 /console/lists，修复受理 /console/repairs / everything"},
	{"scjg", "市场监管局报送员", "scjg", auth.RoleSubmitter, "上传与批次 /console/upload，拟列入名单 / uploads, list proposals"},
	{"scjg.reviewer", "市场监管局审核员", "scjg", auth.RoleReviewer, "确认名单 /console/lists，答复异议 /console/objections / confirm entries, answer objections"},
	{"zjj.clerk", "住建局窗口核查员", "zjj", auth.RoleClerk, "窗口核查 /console/checks，统计 /console/check-stats / window checks"},
	{"auditor", "审计员", "fgw", auth.RoleAuditor, "查询日志 /console/querylog，审计 /console/audit / query log, audit trail"},
}

// demoSize is how many of something the demo makes at scale: n per default city, at least lo.
func demoSize(n int, scale float64, lo int) int { return max(lo, int(float64(n)*scale)) }

// demoExtras is what the demo found to show after its extra steps, for the guide.
type demoExtras struct {
	orgCode, orgName, credential string
	personID, personName         string
	bankToken                    string
	lists, entries, checks       int
	objections, repairs          int
}

// demoPrincipal is the principal of a demo staff account.
func demoPrincipal(ctx context.Context, a *app.App, username string) (*auth.Principal, error) {
	u, err := a.User(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("演示账户 %s / demo user: %w", username, err)
	}
	return app.UserPrincipal(u), nil
}

// loadDemoExtras shows, on a freshly imported city, what the platform does beyond the import,
// all through the application's services (audited like any other change): list entries
// proposed, confirmed and published in numbered batches (or loaded in bulk), window checks with
// feedback, objections and repair applications in several states, an organisation's
// activation credential, a person's consent to a partner and a partner's API token. The
// subjects are drawn from the seed (demo.PickCast), so the same seed gives the same demo.
func loadDemoExtras(ctx context.Context, e *env, a *app.App, cfg demo.Config, scale float64) (*demoExtras, error) {
	ex := &demoExtras{}
	// How many entries each list gets (a 200,000-organisation city: ~3,700 organisations and
	// 2,000 persons on lists).
	courtFirms, courtPersons := demoSize(1000, scale, 6), demoSize(2000, scale, 6)
	black, red, abnormal, focus := demoSize(200, scale, 6), demoSize(500, scale, 6), demoSize(2000, scale, 6), demoSize(200, scale, 4)
	const caseOrgs = 300 // candidates for objections, repairs and the credential
	nOrgs := courtFirms + black + red + abnormal + focus + caseOrgs
	cast, err := demo.PickCast(cfg, a.Catalog(), nOrgs, courtPersons)
	if err != nil {
		return nil, err
	}
	orgs := cast.Orgs
	take := func(n int) []demo.Org {
		n = min(n, len(orgs))
		out := orgs[:n]
		orgs = orgs[n:]
		return out
	}
	admin, err := demoPrincipal(ctx, a, "admin")
	if err != nil {
		return nil, err
	}
	proposer, err := demoPrincipal(ctx, a, "scjg")
	if err != nil {
		return nil, err
	}
	reviewer, err := demoPrincipal(ctx, a, "scjg.reviewer")
	if err != nil {
		return nil, err
	}
	clerk, err := demoPrincipal(ctx, a, "zjj.clerk")
	if err != nil {
		return nil, err
	}

	// Lists. Court defaulters come decided from the courts: loaded in bulk, three batches.
	var court []app.EntryInput
	firms := take(courtFirms)
	for i, o := range firms {
		court = append(court, app.EntryInput{Code: o.Code, Name: o.Name, SourceID: fmt.Sprintf("demo-fy-org-%05d", i+1),
			Reason: "有履行能力而拒不履行生效法律文书确定义务", Document: fmt.Sprintf("（%d）鲁10执%d号", cfg.Today.Year()-1, 100+i)})
	}
	for i, p := range cast.Persons {
		court = append(court, app.EntryInput{Code: p.ID, Name: p.Name, SourceID: fmt.Sprintf("demo-fy-person-%05d", i+1),
			Reason: "违反限制消费令", Document: fmt.Sprintf("（%d）鲁10执%d号", cfg.Today.Year()-1, 5000+i)})
	}
	// Interleave firms and persons so every batch has both.
	court = interleave(court[:len(firms)], court[len(firms):])
	for _, part := range thirds(court) {
		if len(part) == 0 {
			continue
		}
		if _, _, _, err := a.LoadEntries(ctx, "demo", "court_defaulter", "fy", part); err != nil {
			return nil, fmt.Errorf("失信被执行人名单 / court defaulters: %w", err)
		}
		ex.entries += len(part)
	}
	ex.lists++

	// Lists a department proposes, its reviewer confirms and the credit office publishes: the
	// first batch through that workflow, the rest in bulk, two proposals left for the reviewer.
	type listPlan struct {
		code, reason, doc string
		orgs              []demo.Org
		pending           int
	}
	abnormalOrgs := take(abnormal)
	plans := []listPlan{
		{"abnormal_operation", "未按规定期限公示年度报告", "威市监异字〔%d〕%d号", abnormalOrgs, 0},
		{"black_list", "因同一性质违法行为一年内受到三次以上行政处罚", "威市监认字〔%d〕%d号", take(black), 2},
		{"red_list", "连续三年守合同重信用，无不良记录", "威市监荐字〔%d〕%d号", take(red), 0},
		{"focus_list", "存在失信行为，需加强监管", "威市监关字〔%d〕%d号", take(focus), 0},
	}
	for _, pl := range plans {
		ins := make([]app.EntryInput, len(pl.orgs))
		for i, o := range pl.orgs {
			ins[i] = app.EntryInput{List: pl.code, Code: o.Code, Name: o.Name, Dept: "scjg", Reason: pl.reason,
				Document: fmt.Sprintf(pl.doc, cfg.Today.Year(), i+1), SourceID: fmt.Sprintf("demo-%s-%05d", pl.code, i+1)}
		}
		first := min(10, max(1, (len(ins)-pl.pending)/3))
		var ids []int64
		for _, in := range ins[:first] {
			en, err := a.ProposeEntry(ctx, proposer, in)
			if err != nil {
				return nil, fmt.Errorf("%s 拟列入 / propose: %w", pl.code, err)
			}
			if _, err := a.ConfirmEntry(ctx, reviewer, en.ID); err != nil {
				return nil, fmt.Errorf("%s 确认 / confirm: %w", pl.code, err)
			}
			ids = append(ids, en.ID)
		}
		if len(ids) > 0 {
			if _, err := a.PublishBatch(ctx, admin, pl.code, ids); err != nil {
				return nil, fmt.Errorf("%s 发布 / publish: %w", pl.code, err)
			}
		}
		rest := ins[first : len(ins)-pl.pending]
		if len(rest) > 0 {
			for _, part := range halves(rest) {
				if _, _, _, err := a.LoadEntries(ctx, "demo", pl.code, "scjg", part); err != nil {
					return nil, fmt.Errorf("%s 批量载入 / load: %w", pl.code, err)
				}
			}
		}
		for _, in := range ins[len(ins)-pl.pending:] {
			if _, err := a.ProposeEntry(ctx, proposer, in); err != nil {
				return nil, fmt.Errorf("%s 拟列入 / propose: %w", pl.code, err)
			}
		}
		ex.lists++
		ex.entries += len(ins)
	}
	// An exemption-list firm (暂时困难小微企业): one on the abnormal-operation list, so a check
	// shows the measures it spares.
	var exempt demo.Org
	if len(abnormalOrgs) > 0 {
		exempt = abnormalOrgs[len(abnormalOrgs)-1]
		if _, _, _, err := a.LoadEntries(ctx, "demo", "sme_hardship", "fgw", []app.EntryInput{{Code: exempt.Code, Name: exempt.Name,
			SourceID: "demo-sme-00001", Reason: "受疫情影响暂时困难的小微企业", Document: fmt.Sprintf("威信用办〔%d〕3号", cfg.Today.Year())}}); err != nil {
			return nil, fmt.Errorf("豁免名单 / exemption list: %w", err)
		}
		ex.lists++
		ex.entries++
	}

	// Window checks at the housing bureau's window, with feedback on the measures that apply.
	var codes []string
	if len(court) > 0 {
		codes = append(codes, court[0].Code)
	}
	for _, pl := range plans {
		if len(pl.orgs) > 0 {
			codes = append(codes, pl.orgs[0].Code)
		}
	}
	if exempt.Code != "" {
		codes = append(codes, exempt.Code)
	}
	for _, matter := range []string{"bidding", "gov_procurement", "fiscal_subsidy"} {
		res, err := a.CheckSubjects(ctx, clerk, app.CheckRequest{Codes: codes, Matter: matter})
		if err != nil {
			return nil, fmt.Errorf("核查 / check: %w", err)
		}
		for i, it := range res.Items {
			ex.checks++
			var fb []app.FeedbackInput
			for _, m := range it.Measures {
				if m.Pending != "" {
					continue
				}
				if (i+len(fb))%3 == 2 {
					fb = append(fb, app.FeedbackInput{Measure: m.Code, Outcome: credit.FeedbackNotApplied, Note: "该事项已于列入前受理完毕"})
				} else {
					fb = append(fb, app.FeedbackInput{Measure: m.Code, Outcome: credit.FeedbackApplied})
				}
			}
			if it.CheckID != 0 && len(fb) > 0 {
				if _, err := a.Feedback(ctx, clerk, it.CheckID, fb); err != nil {
					return nil, fmt.Errorf("核查反馈 / feedback: %w", err)
				}
			}
		}
	}

	// Objections and repair applications of organisations, about the market regulator's
	// records, so that its reviewer's queue, the credit office's and the subjects' pages have
	// cases: an objection pending and one upheld; a repair application pending, one returned
	// for more materials and one approved.
	if err := demoCases(ctx, a, orgs, admin, reviewer, ex); err != nil {
		return nil, err
	}

	// A person with a score who consented to the bank's grade query: the representative of a
	// cast organisation, a registered person subject.
	for _, o := range cast.Orgs {
		key, err := a.PersonKeyOf(ctx, o.RepID)
		if err != nil {
			continue
		}
		ps, err := a.Store.SubjectByKey(ctx, key)
		if err != nil || !ps.IsPerson() {
			continue
		}
		pp := app.SubjectPrincipal(ps)
		if _, err := a.GrantConsent(ctx, pp, "bank", credit.ScopeGradeBenefits, "个人信用贷款（海贝贷）审批", cfg.Today.AddDate(1, 0, 0)); err != nil {
			return nil, fmt.Errorf("授权 / consent: %w", err)
		}
		if _, err := a.GrantConsent(ctx, pp, "gjj", credit.ScopeGrade, "公积金贷款额度", cfg.Today.AddDate(0, 6, 0)); err != nil {
			return nil, fmt.Errorf("授权 / consent: %w", err)
		}
		ex.personID, ex.personName = o.RepID, o.RepName
		break
	}

	// The bank's API token: it may subscribe to changes and ask a consenting person's grade.
	plain, _, err := a.IssueToken(ctx, "demo", "bank", "演示银行接口", []auth.Scope{auth.ScopeSubscriptionsWrite, auth.ScopeScoresVerify}, cfg.Today.AddDate(1, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("令牌 / token: %w", err)
	}
	ex.bankToken = plain
	return ex, nil
}

// demoEvidence is a minimal PDF: the evidence of the demo's cases.
var demoEvidence = []app.Upload{{Name: "履行证明.pdf", Content: []byte("%PDF-1.4\n% xinyong demo evidence\n%%EOF\n")}}

// demoCases files the demo's objections and repair applications, from organisations among
// orgs that have records of the market regulator they may object to or apply to repair, and
// issues the first such organisation an activation credential.
func demoCases(ctx context.Context, a *app.App, orgs []demo.Org, admin, reviewer *auth.Principal, ex *demoExtras) error {
	type cand struct {
		p  *auth.Principal
		id int64
	}
	var objectable, repairable []cand
	var first *credit.Subject
	for _, o := range orgs {
		if len(objectable) >= 2 && len(repairable) >= 3 {
			break
		}
		s, err := a.Store.SubjectByKey(ctx, o.Code)
		if err != nil {
			continue
		}
		p := app.SubjectPrincipal(s)
		v, err := a.OwnRecordView(ctx, p)
		if err != nil {
			return err
		}
		used := false
		for _, g := range v.Groups {
			for _, r := range g.Records {
				if r.Record.Dept != "scjg" {
					continue
				}
				switch {
				case r.Repair.Can && len(repairable) < 3:
					repairable = append(repairable, cand{p, r.Record.ID})
					used = true
				case r.CanObject.Can && len(objectable) < 2:
					objectable = append(objectable, cand{p, r.Record.ID})
					used = true
				}
			}
		}
		if used && first == nil {
			first = s
		}
	}
	for i, c := range objectable {
		cs, err := a.FileObjection(ctx, c.p, c.id, "处罚决定书所载违法事实与实际情况不符，已于当日整改", demoEvidence)
		if err != nil {
			return fmt.Errorf("异议 / objection: %w", err)
		}
		ex.objections++
		if i == 1 {
			if _, err := a.AnswerObjection(ctx, reviewer, cs.ID, app.ObjectionAnswer{Action: credit.ActUphold, Note: "经核查，原记录事实清楚、证据确凿，予以维持"}); err != nil {
				return fmt.Errorf("答复异议 / answer: %w", err)
			}
		}
	}
	for i, c := range repairable {
		cs, err := a.ApplyRepair(ctx, c.p, c.id, "已全部履行行政处罚决定，缴清罚款并完成整改", strings.TrimSpace(c.p.Name), demoEvidence)
		if err != nil {
			return fmt.Errorf("信用修复 / repair: %w", err)
		}
		ex.repairs++
		switch i {
		case 1:
			if _, err := a.RepairStep(ctx, admin, cs.ID, credit.ActReturn, "请补充罚款缴纳凭证", nil); err != nil {
				return fmt.Errorf("退回 / return: %w", err)
			}
		case 2:
			if _, err := a.RepairStep(ctx, admin, cs.ID, credit.ActForward, "材料齐全，转认定部门", nil); err != nil {
				return fmt.Errorf("转办 / forward: %w", err)
			}
			if _, err := a.RepairStep(ctx, reviewer, cs.ID, credit.ActApprove, "同意修复，停止公示", nil); err != nil {
				return fmt.Errorf("同意修复 / approve: %w", err)
			}
		}
	}
	if first == nil && len(orgs) > 0 {
		if s, err := a.Store.SubjectByKey(ctx, orgs[0].Code); err == nil {
			first = s
		}
	}
	if first != nil {
		plain, _, s, err := a.IssueSubjectCredential(ctx, "demo", first.Code)
		if err != nil {
			return fmt.Errorf("激活凭证 / credential: %w", err)
		}
		ex.orgCode, ex.orgName, ex.credential = s.Code, s.Name, plain
	}
	return nil
}

// thirds splits s into three consecutive parts (some may be empty).
func thirds[T any](s []T) [][]T {
	a, b := len(s)/3, 2*len(s)/3
	return [][]T{s[:a], s[a:b], s[b:]}
}

// halves splits s into two parts, the second empty when s has one element.
func halves[T any](s []T) [][]T {
	h := (len(s) + 1) / 2
	if h == len(s) {
		return [][]T{s}
	}
	return [][]T{s[:h], s[h:]}
}

// interleave merges a and b alternately.
func interleave[T any](a, b []T) []T {
	out := make([]T, 0, len(a)+len(b))
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// printDemoGuide prints, in a few lines, what to open in the demo, Chinese first.
func printDemoGuide(e *env, ex *demoExtras, addr string) {
	w := e.stdout
	fmt.Fprintln(w, "—— 演示导览 / demo guide ——")
	fmt.Fprintf(w, "公开门户 / portal:      %s（上方 serving at 的地址 / the address above）：搜索 search、信用名单 /lists、信易+ /benefits\n", addr)
	fmt.Fprintf(w, "名单 / lists:           %d 类 %d 条，分批发布（第一批…）/ %d lists, %d entries in numbered batches\n", ex.lists, ex.entries, ex.lists, ex.entries)
	fmt.Fprintf(w, "控制台 / console:       %sconsole/  （账户见上 / accounts above）\n", addr)
	fmt.Fprintf(w, "  核查 %d 次（含反馈）/ %d window checks: /console/check-stats；异议 %d 件、修复 %d 件 / objections, repairs: /console/objections /console/repairs\n",
		ex.checks, ex.checks, ex.objections, ex.repairs)
	fmt.Fprintln(w, "  联合奖惩任务 / tasks: /console/tasks；评分卡 / scorecards: /console/scorecards；审计 / audit: /console/audit")
	if ex.credential != "" {
		fmt.Fprintf(w, "企业自助 / organisation self-service: %smy/login  代码 code %s（%s）激活凭证 credential %s\n", addr, ex.orgCode, ex.orgName, ex.credential)
	}
	if ex.personID != "" {
		fmt.Fprintf(w, "个人自助 / person self-service: %smy/login/person  身份证号 ID %s（%s）；验证码见服务日志 / the one-time code is in the server log\n",
			addr, ex.personID, ex.personName)
		fmt.Fprintln(w, "  然后 / then: /my/score（信用积分 score）、/my/consents（授权 consents）")
	}
	if ex.bankToken != "" {
		fmt.Fprintf(w, "合作银行接口令牌（只显示这一次）/ the bank's API token (shown once): %s\n", ex.bankToken)
		fmt.Fprintln(w, "  POST /api/v1/scores/grade（见 docs/api.md）/ a consenting person's grade (see docs/api.md)")
	}
}

// demoSince formats a duration in seconds for the demo's progress lines.
func demoSince(t time.Time) float64 { return time.Since(t).Seconds() }

// Command xinyong runs the public credit information platform (公共信用信息平台): the server, the
// demo city, imports, code checks, catalog management and benchmarks. See `xinyong help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ex exitCode
		if errors.As(err, &ex) {
			os.Exit(int(ex))
		}
		fmt.Fprintln(os.Stderr, "xinyong:", err)
		os.Exit(1)
	}
}

// exitCode ends the program with a status but no message (the command printed its own).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

// env is what every command gets: its streams and the environment.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "运行平台 / run the platform server", cmdServe},
		{"demo", "生成演示城市并运行平台 / generate a demo city, load it and serve it", cmdDemo},
		{"import", "导入部门报送文件 / import department files (CSV, XLSX, JSON Lines)", cmdImport},
		{"batches", "列出导入批次 / list import batches", cmdBatches},
		{"rejects", "导出批次的问题数据以便修正重报 / export a batch's rejected rows to fix and resubmit", cmdRejects},
		{"code", "校验统一社会信用代码、身份证号等 / check unified social credit codes, resident IDs, legacy codes", cmdCode},
		{"code-exception", "管理校验位例外代码 / manage known codes that fail the check (add, list, remove)", cmdCodeException},
		{"catalog", "管理数据归集目录 / manage the catalog (export, import, versions)", cmdCatalog},
		{"dept", "管理部门 / manage departments (add, update, list)", cmdDept},
		{"user", "管理用户账户 / manage user accounts (add, list, disable, enable, reset-password)", cmdUser},
		{"token", "管理部门 API 令牌 / manage department API tokens (issue, list, revoke)", cmdToken},
		{"subject", "信用主体自助的激活凭证 / subject self-service credentials (activate, revoke, list)", cmdSubject},
		{"audit", "审计日志：校验、每日锚定哈希、导出 / audit trail: verify, daily anchor, export", cmdAudit},
		{"querylog", "导出查询使用登记 / export the query log (查询使用登记)", cmdQueryLog},
		{"copy", "复制整个数据库并逐表核对（SQLite ↔ PostgreSQL）/ copy a whole store and verify it table by table (SQLite ↔ PostgreSQL)", cmdCopy},
		{"migrate", "升级数据库结构 / apply database migrations", cmdMigrate},
		{"backup", "在线备份数据库 / back up the database while it serves", cmdBackup},
		{"doctor", "检查数据库服务器与存储的设置 / check the settings the store runs with", cmdDoctor},
		// Lists, measures and window checks (名单、措施与信用核查).
		{"list", "红黑名单：类型、条目、拟列入、确认、发布、移出、载入 / lists: types, entries, propose, confirm, publish, remove, load", cmdList},
		{"measure", "联合奖惩措施清单 / the measures list (list, activate, deactivate)", cmdMeasure},
		{"check", "信用核查 / check subjects for a matter", cmdCheck},
		{"verify", "批量核查文件 / batch-verify a file of codes", cmdVerify},

		// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
		{"outbox", "发件箱：状态与转发到 NATS / outbox: status, relay to NATS JetStream", cmdOutbox},
		{"subscription", "监测订阅 / monitoring subscriptions (add, list, remove)", cmdSubscription},
		{"task", "联合奖惩任务 / joint reward and punishment response tasks (list)", cmdTask},

		// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
		{"calendar", "工作日历：载入节假日与调休安排 / working-day calendar (load, show)", cmdCalendar},
		{"publication", "公示期满自动停止公示 / end publication at the maximum period (expire [--dry-run])", cmdPublication},

		// Scores, grades, consents and benefits (评分、评级、授权与信易+).
		{"score", "信用评分与评级：重算、查看明细、评分模型 / scores: recompute, show, scorecards (export, preview, import, versions)", cmdScore},
		{"consent", "查看个人的授权查询及使用记录 / a person's consents and their uses", cmdConsent},

		{"bench", "性能测试（生成数据）/ benchmarks on generated data (ingest, lookup, search)", cmdBench},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("未知命令 %q / unknown command", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "xinyong — 公共信用信息平台 / public credit information platform")
	fmt.Fprintln(w, "\n用法 / usage: xinyong COMMAND [flags]   (xinyong COMMAND -h for flags)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n环境变量 / environment: XINYONG_DATA, XINYONG_DB, XINYONG_ADDR, XINYONG_KEY, XINYONG_TLS_CERT, XINYONG_TLS_KEY")
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/exchange"
	"github.com/xinyong/xinyong/store"
)

// Status-change delivery at the command line: the outbox (status, relay), subscriptions and
// tasks; and the delivery settings serve uses for its background loop.

// deliveryFlags are the delivery settings, shared by serve, demo and `outbox relay`.
type deliveryFlags struct {
	natsURL, stream, prefix string
	natsCreds               string
	taskDays                int
	allowPrivate            bool
	interval                time.Duration
}

func (d *deliveryFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.natsURL, "nats", getenv("XINYONG_NATS_URL"), "NATS 地址，未配置时发件箱只累积 / NATS URL; unset, the outbox only accumulates (XINYONG_NATS_URL)")
	fs.StringVar(&d.natsCreds, "nats-creds", getenv("XINYONG_NATS_CREDS"), "NATS 用户凭据文件 / NATS user credentials file (XINYONG_NATS_CREDS)")
	fs.StringVar(&d.stream, "nats-stream", envOr(getenv, "XINYONG_NATS_STREAM", "XINYONG"), "JetStream 流名称 / JetStream stream name (XINYONG_NATS_STREAM)")
	fs.StringVar(&d.prefix, "nats-prefix", envOr(getenv, "XINYONG_NATS_PREFIX", "xinyong"), "NATS 主题前缀 / subject prefix (XINYONG_NATS_PREFIX)")
	days, _ := strconv.Atoi(getenv("XINYONG_TASK_DAYS"))
	fs.IntVar(&d.taskDays, "task-days", days, "联合奖惩任务的响应期限（工作日，默认 5）/ working days to respond to a task (XINYONG_TASK_DAYS, default 5)")
	fs.BoolVar(&d.allowPrivate, "webhook-allow-private", getenv("XINYONG_WEBHOOK_ALLOW_PRIVATE") == "1",
		"允许回调本机和内网地址（仅测试或封闭网络）/ let webhooks reach loopback and private addresses (XINYONG_WEBHOOK_ALLOW_PRIVATE=1)")
	fs.DurationVar(&d.interval, "delivery-interval", 2*time.Second, "发件箱和回调的轮询间隔 / outbox and webhook polling interval")
}

// apply puts the settings on the app.
func (d *deliveryFlags) apply(a *app.App) {
	a.Delivery.TaskDays = d.taskDays
	a.Delivery.AllowPrivateWebhooks = d.allowPrivate
	a.Delivery.NATSConfigured = d.natsURL != ""
}

func (d *deliveryFlags) jetStream() exchange.JetStreamConfig {
	return exchange.JetStreamConfig{URL: d.natsURL, Stream: d.stream, Prefix: d.prefix, Name: "xinyong", CredsFile: d.natsCreds}
}

// dialer returns the loop's publisher factory, nil when no NATS is configured.
func (d *deliveryFlags) dialer() func(context.Context) (app.Publisher, func(), error) {
	if d.natsURL == "" {
		return nil
	}
	return func(ctx context.Context) (app.Publisher, func(), error) {
		js, err := exchange.DialJetStream(ctx, d.jetStream())
		if err != nil {
			return nil, nil, err
		}
		return js, js.Close, nil
	}
}

// startDelivery runs the delivery loop (outbox relay, webhooks, overdue tasks) beside the
// server; wait blocks until it has stopped after ctx ends.
func startDelivery(ctx context.Context, e *env, a *app.App, d *deliveryFlags) (wait func()) {
	d.apply(a)
	if d.natsURL == "" {
		fmt.Fprintln(e.stderr, "未配置 NATS（--nats / XINYONG_NATS_URL）：状态变更消息保存在发件箱中，配置后自动补发 / "+
			"no NATS configured: status-change messages accumulate in the outbox and go out once it is")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.DeliveryLoop(ctx, d.interval, d.dialer(), exchange.NewWebhooks(10*time.Second, d.allowPrivate))
	}()
	return wg.Wait
}

func cmdOutbox(ctx context.Context, e *env, args []string) error {
	var c config
	var d deliveryFlags
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	d.register(fs, e.getenv)
	once := fs.Bool("once", false, "只转发一轮后退出 / relay what is due once, then exit")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "status" && rest[0] != "relay") {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong outbox status [--json]\n       xinyong outbox relay [--once] [--nats URL] [--nats-stream S] [--nats-prefix P]")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if rest[0] == "status" {
		st, err := a.OutboxState(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(map[string]any{"pending": st.Pending, "sent": st.Sent, "failed": st.Failed,
				"oldest_pending": st.OldestPending})
		}
		fmt.Fprintf(e.stdout, "待发送 pending: %d\n已发送 sent:    %d\n失败 failed:    %d\n", st.Pending, st.Sent, st.Failed)
		if !st.OldestPending.IsZero() {
			fmt.Fprintf(e.stdout, "最早待发送 oldest pending: %s (%s ago)\n", st.OldestPending.Format(time.RFC3339), a.Now().Sub(st.OldestPending).Round(time.Second))
		}
		failed, err := a.Store.OutboxMessages(ctx, store.OutboxFailed, 20)
		if err != nil {
			return err
		}
		for _, m := range failed {
			fmt.Fprintf(e.stdout, "  failed %s %s: %s\n", m.MsgID, m.Topic, m.LastError)
		}
		return nil
	}
	if d.natsURL == "" {
		return fail(e, credit.Errorf(credit.EINVALID, "未配置 NATS：请用 --nats 或 XINYONG_NATS_URL / no NATS configured: set --nats or XINYONG_NATS_URL"))
	}
	js, err := exchange.DialJetStream(ctx, d.jetStream())
	if err != nil {
		return fail(e, credit.Errorf(credit.EINVALID, "无法连接 NATS，消息仍保留在发件箱 / cannot reach NATS; the messages stay in the outbox: %v", err))
	}
	defer js.Close()
	if !*once {
		d.apply(a)
		a.DeliveryLoop(ctx, d.interval, func(context.Context) (app.Publisher, func(), error) { return js, func() {}, nil }, nil)
		return nil
	}
	var total app.RelayResult
	for {
		res, err := a.RelayOutbox(ctx, js, 500)
		total.Sent += res.Sent
		total.Duplicates += res.Duplicates
		total.Failed += res.Failed
		if err != nil {
			fmt.Fprintf(e.stdout, "已发送 sent %d（重复 duplicates %d）\n", total.Sent, total.Duplicates)
			return fail(e, err)
		}
		if res.Sent < 500 {
			break
		}
	}
	fmt.Fprintf(e.stdout, "已发送 sent %d（重复 duplicates %d），失败 failed %d\n", total.Sent, total.Duplicates, total.Failed)
	return nil
}

func cmdSubscription(ctx context.Context, e *env, args []string) error {
	var c config
	var d deliveryFlags
	fs := flag.NewFlagSet("subscription", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	d.register(fs, e.getenv)
	dept := fs.String("dept", "", "订阅部门或合作机构代码 / subscribing department or partner")
	subject := fs.String("subject", "", "订阅的主体：统一社会信用代码或身份证号 / subject code to watch")
	list := fs.String("list", "", "订阅的名单类型代码 / list type code to watch")
	channel := fs.String("channel", "webhook", "通知方式 webhook 或 nats / channel")
	hookURL := fs.String("url", "", "回调地址 / webhook URL")
	purpose := fs.String("purpose", "", "法定依据或主体授权（必填）/ legal basis or consent (required)")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong subscription add --dept D (--subject CODE | --list L) [--channel webhook|nats] [--url U] --purpose 依据\n"+
			"       xinyong subscription list [--dept D] [--json]\n       xinyong subscription remove ID")
		return exitCode(2)
	}
	if len(rest) == 0 {
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	d.apply(a)
	op := app.CLIPrincipal(e.getenv("USER"), "")
	switch {
	case rest[0] == "add" && len(rest) == 1:
		req := app.SubscribeRequest{Dept: *dept, Subject: *subject, List: *list, Channel: credit.Channel(*channel), URL: *hookURL, Purpose: *purpose}
		req.Target = credit.TargetSubject
		if *list != "" {
			req.Target = credit.TargetList
		}
		if *dept == "" {
			return fail(e, credit.Errorf(credit.EINVALID, "请用 --dept 指定订阅部门 / name the subscribing department with --dept"))
		}
		s, secret, err := a.Subscribe(ctx, op, req, "cli")
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "订阅 #%d 已创建 / subscription #%d created: %s %s → %s %s\n", s.ID, s.ID, s.Target, s.Label, s.Channel, s.URL)
		if secret != "" {
			fmt.Fprintf(e.stdout, "签名密钥（只显示这一次）/ signing secret (shown once): %s\n", secret)
		}
		return nil
	case rest[0] == "list" && len(rest) == 1:
		subs, err := a.Subscriptions(ctx, op)
		if err != nil {
			return err
		}
		var out []*credit.Subscription
		for _, s := range subs {
			if *dept == "" || s.Dept == *dept {
				out = append(out, s)
			}
		}
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t部门 dept\t对象 target\t通知 channel\t地址 url\t状态 state\t依据 purpose")
		for _, s := range out {
			state := "active"
			if !s.Active() {
				state = "removed " + s.RemovedAt.Format(time.DateOnly)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s %s\t%s\t%s\t%s\t%s\n", s.ID, s.Dept, s.Target, s.Label, s.Channel, s.URL, state, s.Purpose)
		}
		return tw.Flush()
	case rest[0] == "remove" && len(rest) == 2:
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return usage()
		}
		if err := a.Unsubscribe(ctx, op, id); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "订阅 #%d 已取消 / subscription #%d removed\n", id, id)
		return nil
	}
	return usage()
}

func cmdTask(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("task", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	dept := fs.String("dept", "", "部门代码 / department")
	status := fs.String("status", "", "open、overdue 或 responded / status")
	asJSON := fs.Bool("json", false, "JSON 输出 / JSON output")
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "list" {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong task list [--dept D] [--status open|overdue|responded] [--json]")
		return exitCode(2)
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	tasks, err := a.Tasks(ctx, app.CLIPrincipal(e.getenv("USER"), ""), store.TaskFilter{Dept: *dept, Status: credit.TaskStatus(*status), Limit: 1000})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(tasks)
	}
	now := a.Now()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t部门 dept\t变更 change\t主体 subject\t名单 list\t期限 deadline\t状态 status\t反馈 response")
	for _, t := range tasks {
		st := string(t.Status)
		if t.Late(now) {
			st += " (late)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Dept, t.Kind, t.SubjectKey, t.List,
			t.Deadline.Format(time.DateOnly), st, strings.TrimSpace(string(t.Outcome)+" "+t.Response))
	}
	return tw.Flush()
}

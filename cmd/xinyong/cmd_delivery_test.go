package main

import (
	"strings"
	"testing"
)

func TestDeliveryCommands(t *testing.T) {
	data := t.TempDir()
	if out, errOut, err := runIn(t, data, "", "dept", "add", "--code", "bank", "--name", "某商业银行", "--level", "partner"); err != nil {
		t.Fatalf("partner: %v %s %s", err, out, errOut)
	}
	_, errOut, err := runIn(t, data, "", "subscription", "add", "--dept", "bank", "--subject", "91350100M000100Y43",
		"--url", "https://bank.example.com/hook")
	if err == nil || !strings.Contains(errOut, "法定依据") {
		t.Fatalf("no purpose: %v %q", err, errOut)
	}
	out, errOut, err := runIn(t, data, "", "subscription", "add", "--dept", "bank", "--subject", "91350100M000100Y43",
		"--url", "https://bank.example.com/hook", "--purpose", "贷后管理")
	if err != nil || !strings.Contains(out, "whsec_") || !strings.Contains(out, "#1") {
		t.Fatalf("add: %v %q %q", err, out, errOut)
	}
	if out, _, err := runIn(t, data, "", "subscription", "add", "--dept", "fgw", "--list", "black_list", "--channel", "nats", "--purpose", "联合惩戒"); err != nil || !strings.Contains(out, "#2") {
		t.Fatalf("add list: %v %q", err, out)
	}
	out, _, err = runIn(t, data, "", "subscription", "list", "--dept", "bank")
	if err != nil || !strings.Contains(out, "91350100M000100Y43") || strings.Contains(out, "black") || strings.Contains(out, "whsec_") {
		t.Fatalf("list: %v %q", err, out)
	}
	if out, _, err := runIn(t, data, "", "subscription", "remove", "1"); err != nil || !strings.Contains(out, "已取消") {
		t.Fatalf("remove: %v %q", err, out)
	}
	if _, errOut, err := runIn(t, data, "", "subscription", "remove", "1"); err == nil || !strings.Contains(errOut, "未找到") {
		t.Fatalf("remove twice: %v %q", err, errOut)
	}
	out, _, err = runIn(t, data, "", "outbox", "status")
	if err != nil || !strings.Contains(out, "pending: 0") {
		t.Fatalf("outbox status: %v %q", err, out)
	}
	if _, errOut, err := runIn(t, data, "", "outbox", "relay", "--once"); err == nil || !strings.Contains(errOut, "XINYONG_NATS_URL") {
		t.Fatalf("relay without NATS: %v %q", err, errOut)
	}
	if _, errOut, err := runIn(t, data, "", "outbox", "relay", "--once", "--nats", "nats://127.0.0.1:1"); err == nil || !strings.Contains(errOut, "发件箱") {
		t.Fatalf("relay to a closed port: %v %q", err, errOut)
	}
	if out, _, err := runIn(t, data, "", "task", "list"); err != nil || !strings.Contains(out, "deadline") {
		t.Fatalf("task list: %v %q", err, out)
	}
	out, _, err = runIn(t, data, "", "audit", "export")
	if err != nil || !strings.Contains(out, `"actor":"cli:tester","action":"subscription.add"`) {
		t.Fatalf("audit: %v", err)
	}
}

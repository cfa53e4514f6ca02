package credit

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestTaskRespond(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	task := &Task{Status: TaskOpen, Deadline: now.Add(48 * time.Hour)}
	if task.Late(now) {
		t.Fatal("a task before its deadline is late")
	}
	if !task.Late(now.Add(48 * time.Hour)) {
		t.Fatal("a task at its deadline is not late")
	}
	for _, tc := range []struct {
		outcome  TaskOutcome
		response string
		code     string
	}{
		{"done", "ok", EINVALID},
		{OutcomeApplied, "  ", EINVALID},
		{OutcomeApplied, "bad\x00text", EINVALID},
		{OutcomeApplied, strings.Repeat("长", MaxResponseLen+1), EINVALID},
	} {
		if err := task.Respond(tc.outcome, tc.response, "user:1", now); ErrorCode(err) != tc.code {
			t.Errorf("Respond(%q, %q) = %v, want %s", tc.outcome, tc.response, err, tc.code)
		}
	}
	if task.Status != TaskOpen {
		t.Fatal("a refused response changed the task")
	}
	if err := task.Respond(OutcomeApplied, " 已暂停其政府采购投标资格 ", "user:1", now.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if task.Status != TaskResponded || task.Response != "已暂停其政府采购投标资格" || task.RespondedBy != "user:1" || !task.Late(now) {
		t.Fatalf("task = %+v", task)
	}
	if err := task.Respond(OutcomeNoted, "again", "user:2", now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second response = %v", err)
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://bank.example.com/hooks/xinyong", false, true},
		{"http://bank.example.com:8443/h?x=1", false, true},
		{"ftp://bank.example.com/", false, false},
		{"javascript:alert(1)", false, false},
		{"https://user:pw@bank.example.com/", false, false},
		{"https://bank.example.com/#frag", false, false},
		{"https:///nohost", false, false},
		{"https://127.0.0.1/x", false, false},
		{"https://127.0.0.1/x", true, true},
		{"http://localhost:8080/", false, false},
		{"http://10.1.2.3/", false, false},
		{"http://192.168.0.1/", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://[::1]/", false, false},
		{"http://[::ffff:127.0.0.1]/", false, false},
		{"http://0.0.0.0/", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://example.com:99999/", false, false},
		{"http://exa mple.com/", false, false},
		{"", false, false},
	} {
		_, err := CheckWebhookURL(tc.url, tc.allowPrivate)
		if (err == nil) != tc.ok {
			t.Errorf("CheckWebhookURL(%q, %v) = %v, want ok=%v", tc.url, tc.allowPrivate, err, tc.ok)
		}
	}
	if !InternalAddr(netip.MustParseAddr("fd00::1")) || InternalAddr(netip.MustParseAddr("8.8.8.8")) {
		t.Fatal("InternalAddr")
	}
}

func TestWebhookSignature(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"kind":"list.enter"}`)
	now := time.Unix(1772442000, 0)
	h := SignWebhook(secret, now.Unix(), body)
	if !strings.HasPrefix(h, "t=1772442000,v1=") {
		t.Fatalf("header = %q", h)
	}
	if err := VerifyWebhook(secret, h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]error{
		"other body":   VerifyWebhook(secret, h, []byte(`{"kind":"list.leave"}`), now, 5*time.Minute),
		"other secret": VerifyWebhook([]byte("x"), h, body, now, 5*time.Minute),
		"too old":      VerifyWebhook(secret, h, body, now.Add(time.Hour), 5*time.Minute),
		"garbage":      VerifyWebhook(secret, "v1=00", body, now, 5*time.Minute),
	} {
		if check == nil {
			t.Errorf("%s verified", name)
		}
	}
	// A header with a second (rotated) signature verifies with either secret.
	two := h + ",v1=" + strings.Repeat("ab", 32)
	if err := VerifyWebhook(secret, two, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestRetryBackoff(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {5, 16 * time.Second}, {40, time.Minute}} {
		if got := RetryBackoff(tc.n, time.Second, time.Minute); got != tc.want {
			t.Errorf("RetryBackoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func FuzzCheckWebhookURL(f *testing.F) {
	for _, s := range []string{"https://bank.example.com/h", "http://127.0.0.1:1/", "http://[::1]/", "https://a@b/", "%zz", "http://x:0/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := CheckWebhookURL(s, false)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error code %s", ErrorCode(err))
			}
			return
		}
		// What is accepted is accepted again unchanged, and is http(s).
		if again, err := CheckWebhookURL(u, false); err != nil || again != u {
			t.Fatalf("%q → %q, then %q, %v", s, u, again, err)
		}
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			t.Fatalf("accepted %q", u)
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	for _, s := range []string{"t=1,v1=" + strings.Repeat("00", 32), "t=1", "v1=zz", "t=-1,v1=", "t=1,t=2,v1=00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, sigs, err := ParseSignature(s)
		if err != nil {
			return
		}
		if ts <= 0 || len(sigs) == 0 {
			t.Fatalf("accepted %q as %d %d", s, ts, len(sigs))
		}
		for _, sg := range sigs {
			if len(sg) != 32 {
				t.Fatalf("signature of %d bytes", len(sg))
			}
		}
	})
}

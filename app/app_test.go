package app_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store/sqlite"
)

func newApp(t *testing.T, path string, key byte) (*app.App, error) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, _ := credit.NewSealer(bytes.Repeat([]byte{key}, 32))
	return app.New(context.Background(), st, sealer, func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }, nil)
}

func TestWrongKeyRefused(t *testing.T) {
	path := t.TempDir() + "/x.db"
	if _, err := newApp(t, path, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := newApp(t, path, 1); err != nil {
		t.Fatalf("same key refused: %v", err)
	}
	_, err := newApp(t, path, 2)
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("another key: err = %v, want a refusal", err)
	}
}

func TestCodeExceptions(t *testing.T) {
	a, err := newApp(t, t.TempDir()+"/x.db", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, bad := range []string{
		"91350100M000100Y43", // valid: no exception needed
		"99371002MA3C00011N", // unknown category 99
		"91ABCDEFMA3C00011N", // division not digits
		"91350100M000100Y4I", // I is outside the alphabet
		"9135",
	} {
		if _, err := a.AddCodeException(ctx, bad, "test", "t"); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("AddCodeException(%q) = %v, want EINVALID", bad, err)
		}
	}
	if _, err := a.AddCodeException(ctx, "91350100M000100Y44", "", "t"); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("no note: %v", err)
	}
	if _, err := a.AddCodeException(ctx, "91350100M000100Y44", "厦门早期试点代码", "t"); err != nil {
		t.Fatal(err)
	}
	r, err := a.CheckCode(ctx, "91350100m000100y44")
	if err != nil || !r.Valid || !r.Exception {
		t.Fatalf("CheckCode after exception = %+v, %v", r, err)
	}
	if err := a.RemoveCodeException(ctx, "91350100M000100Y44", "t"); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.CheckCode(ctx, "91350100M000100Y44"); r.Valid {
		t.Fatal("removed exception still honoured")
	}
}

package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// TestMain lets a test run this binary as the real command in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("XINYONG_TEST_RUN_MAIN") == "1" {
		limitFileSize(os.Getenv("XINYONG_TEST_FSIZE"))
		main()
		return
	}
	os.Exit(m.Run())
}

func validUSCC(n int) string {
	body := fmt.Sprintf("%08d", n)
	oc, _ := credit.OrgCodeCheckChar(body)
	first := "91371002" + body + string(oc)
	c, _ := credit.USCCCheckChar(first)
	return first + string(c)
}

// TestImportKilledResumes kills a real import process half-way (SIGKILL, no clean-up) and
// checks that running the same command again finishes the batch with every row exactly once.
func TestImportKilledResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process; skipped with -short")
	}
	data := t.TempDir()
	path := filepath.Join(t.TempDir(), "honour.csv")
	f, _ := os.Create(path)
	w := bufio.NewWriter(f)
	w.WriteString("source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n")
	const rows = 200000
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(w, "H%d,%s,威海测试%d有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n", i, validUSCC(i), i)
	}
	w.Flush()
	f.Close()

	cmd := exec.Command(os.Args[0], "import", "-q", "--data", data, "--dept", "scjg", "--item", "honour", path)
	cmd.Env = append(os.Environ(), "XINYONG_TEST_RUN_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until some rows are committed, then kill without warning.
	db := filepath.Join(data, "xinyong.db")
	deadline := time.Now().Add(60 * time.Second)
	committed := 0
	for committed == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		committed = checkpoint(db)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if committed == 0 {
		t.Fatal("the child committed nothing within 60s")
	}
	after := checkpoint(db)
	if after >= rows+1 {
		t.Skipf("the import finished before it could be killed (checkpoint %d): machine too fast for this test", after)
	}

	out, errOut, err := runCmd(t, data, "import", "-q", "--dept", "scjg", "--item", "honour", path)
	if err != nil {
		t.Fatalf("resume: %v %s", err, errOut)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs, _ := st.Batches(context.Background(), store.BatchFilter{})
	c, _ := st.Counters(context.Background())
	if len(bs) != 1 || bs[0].Status != store.BatchDone || bs[0].Accepted != rows || bs[0].Rows != rows || c[store.CounterRecords] != rows {
		t.Fatalf("after resume: batches %+v, records %d, output %q", bs, c[store.CounterRecords], out)
	}
	if !strings.Contains(out, "继续") {
		t.Fatalf("the second run did not say it resumed: %q", out)
	}
	t.Logf("killed after row %d of %d; resumed and finished", after-1, rows)
}

// checkpoint reads the first batch's checkpoint from a read-only connection: opening the
// store (its migrations take the write lock) could wait for seconds behind the importing
// process, long enough for it to finish before the kill.
func checkpoint(db string) int {
	if _, err := os.Stat(db); err != nil {
		return 0
	}
	c, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(1000)")
	if err != nil {
		return 0
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(`SELECT checkpoint FROM batches ORDER BY id LIMIT 1`).Scan(&n); err != nil {
		return 0
	}
	return n
}

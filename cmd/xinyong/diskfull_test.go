package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// limitFileSize caps the size of any file this process writes (RLIMIT_FSIZE, as `ulimit -f`)
// and ignores SIGXFSZ, so a write past the cap fails with EFBIG as on a full disk instead of
// killing the process.
func limitFileSize(v string) {
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		panic(err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		panic(err)
	}
}

// TestImportDiskFullResumes runs an import in a child process whose files may not grow past
// 3 MiB, as if the disk filled up half-way: the import must stop with an error naming the cause
// and the way on. Run again without the limit, it resumes and ends with every row exactly once.
func TestImportDiskFullResumes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RLIMIT_FSIZE behaviour is tested on Linux")
	}
	data := t.TempDir()
	path := filepath.Join(t.TempDir(), "honour.csv")
	f, _ := os.Create(path)
	w := bufio.NewWriter(f)
	w.WriteString("source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n")
	const rows = 60000
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(w, "H%d,%s,威海测试%d有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n", i, validUSCC(i), i)
	}
	w.Flush()
	f.Close()

	cmd := exec.Command(os.Args[0], "import", "-q", "--data", data, "--dept", "scjg", "--item", "honour", path)
	cmd.Env = append(os.Environ(), "XINYONG_TEST_RUN_MAIN=1", "XINYONG_TEST_FSIZE="+strconv.Itoa(3<<20))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		t.Fatalf("the import fit into 3 MiB: the test needs more rows (stderr %q)", stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, "ulimit -f") || !strings.Contains(msg, "run the same command again to resume") {
		t.Fatalf("the error must name the cause and the way on: %v\n%s", err, msg)
	}
	db := filepath.Join(data, "xinyong.db")
	before := checkpoint(db)
	t.Logf("stopped at file row %d of %d: %s", before, rows, strings.TrimSpace(msg))

	out, errOut, err := runCmd(t, data, "import", "-q", "--dept", "scjg", "--item", "honour", path)
	if err != nil {
		t.Fatalf("resume: %v %s", err, errOut)
	}
	if before > 0 && !strings.Contains(out, "继续") {
		t.Fatalf("the second run did not say it resumed: %q", out)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := st.Batches(context.Background(), store.BatchFilter{})
	c, _ := st.Counters(context.Background())
	st.Close()
	if len(bs) != 1 || bs[0].Status != store.BatchDone || bs[0].Accepted != rows || bs[0].Rows != rows || c[store.CounterRecords] != rows {
		t.Fatalf("after resume: batches %+v, records counter %d", bs, c[store.CounterRecords])
	}
	// Every row exactly once, straight from the table.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, distinct, subjects int
	raw.QueryRow(`SELECT count(*), count(DISTINCT source_id) FROM records`).Scan(&n, &distinct)
	raw.QueryRow(`SELECT count(*) FROM subjects`).Scan(&subjects)
	if n != rows || distinct != rows || subjects != rows {
		t.Fatalf("records %d (distinct %d), subjects %d; want %d each", n, distinct, subjects, rows)
	}
}

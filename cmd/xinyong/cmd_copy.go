package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/sqlite"
)

// cmdCopy copies a whole store into another (SQLite ↔ PostgreSQL), then verifies it.
func cmdCopy(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	from := fs.String("from", "", "源库 / source: sqlite:PATH or postgres://…")
	to := fs.String("to", "", "目标库 / destination: sqlite:PATH or postgres://…")
	overwrite := fs.Bool("overwrite", false, "目标库已有数据时清空后覆盖 / replace the data a destination already holds")
	asJSON := fs.Bool("json", false, "以 JSON 输出核对结果 / print the check as JSON")
	quiet := fs.Bool("q", false, "不显示进度 / no progress lines")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if *from == "" || *to == "" || len(rest) > 0 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong copy --from sqlite:PATH|postgres://… --to postgres://…|sqlite:PATH [--overwrite] [--json]")
		return exitCode(2)
	}
	if *from == *to {
		return credit.Errorf(credit.EINVALID, "源库与目标库相同 / source and destination are the same")
	}
	src, err := openCopyStore(ctx, *from, true)
	if err != nil {
		return fmt.Errorf("源库 / source: %w", err)
	}
	defer src.Close()
	dst, err := openCopyStore(ctx, *to, false)
	if err != nil {
		return fmt.Errorf("目标库 / destination: %w", err)
	}
	defer dst.Close()

	// The key travels with the data: a sealed value is only readable with the key whose
	// fingerprint the store records.
	fp, err := src.Meta(ctx, store.MetaKeyFingerprint)
	if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
		return err
	}
	if k := e.getenv("XINYONG_KEY"); k != "" && fp != "" {
		if key, err := base64.StdEncoding.DecodeString(k); err == nil {
			if s, err := credit.NewSealer(key); err == nil && s.Fingerprint() != fp {
				fmt.Fprintln(e.stderr, "警告：XINYONG_KEY 与源库记录的密钥指纹不符；副本仍须用源库的密钥打开 / warning: XINYONG_KEY does not match the source's key fingerprint; the copy needs the source's key")
			}
		}
	}

	seeded, err := seededCounts(ctx)
	if err != nil {
		return err
	}
	opt := store.CopyOptions{Overwrite: *overwrite, Seeded: seeded}
	if !*quiet && !*asJSON {
		opt.Progress = func(table string, done bool, rows int64) {
			if done {
				fmt.Fprintf(e.stderr, "  %s: %d\n", table, rows)
			}
		}
	}
	rep, err := store.Copy(ctx, src.(store.Copier), dst.(store.Copier), opt)
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.Encode(rep)
		} else {
			printCopyReport(e, rep)
		}
	}
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "已复制并核对 %d 张表、%d 行，用时 %s / copied and verified %d tables, %d rows in %s\n",
			len(rep.Tables), rep.Rows, rep.Duration.Round(1e6), len(rep.Tables), rep.Rows, rep.Duration.Round(1e6))
		if fp != "" {
			fmt.Fprintf(e.stdout, "密钥指纹 / key fingerprint: %s（副本须用同一 XINYONG_KEY / the copy needs the same XINYONG_KEY）\n", fp)
		}
	}
	return nil
}

func printCopyReport(e *env, rep *store.CopyReport) {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "表 table\t源行数 source\t目标行数 dest\t校验和 checksum\t结果 result")
	for _, t := range rep.Tables {
		res := "一致 ok"
		sum := t.SourceSum[:16]
		if !t.OK() {
			res = "不一致 MISMATCH"
			sum = t.SourceSum[:16] + " ≠ " + t.DestSum[:16]
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", t.Table, t.SourceRows, t.DestRows, sum, res)
	}
	w.Flush()
}

// copyStore is a store that can be copied.
type copyStore interface {
	store.Store
	store.Copier
}

// openCopyStore opens "sqlite:PATH" (or a bare path) or a postgres:// URL. A source SQLite file
// must exist: opening a missing one would create it and copy nothing.
func openCopyStore(ctx context.Context, spec string, mustExist bool) (copyStore, error) {
	if strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://") {
		return postgres.Open(ctx, spec)
	}
	path := strings.TrimPrefix(spec, "sqlite:")
	if path == "" || path == ":memory:" {
		return nil, credit.Errorf(credit.EINVALID, "需要 SQLite 文件路径 / an SQLite file path is needed: %q", spec)
	}
	if mustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, credit.Errorf(credit.ENOTFOUND, "找不到 SQLite 文件 / no SQLite file %s", path)
		}
	}
	return sqlite.Open(ctx, path)
}

// seededCounts counts the rows a freshly migrated store holds (the audit chain's head row, …):
// a destination holding no more counts as empty.
func seededCounts(ctx context.Context) (map[string]int64, error) {
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := db.CopyTables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	err = db.CopyRead(ctx, func(r store.CopyReader) error {
		for _, t := range tables {
			n, err := r.Count(t.Name)
			if err != nil {
				return err
			}
			out[t.Name] = n
		}
		return nil
	})
	return out, err
}

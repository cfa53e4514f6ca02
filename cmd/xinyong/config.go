package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/sqlite"
)

// config is the whole configuration, from flags with environment variables as defaults.
// Zero configuration runs the embedded store under ./data.
type config struct {
	DataDir string // XINYONG_DATA
	DB      string // XINYONG_DB: SQLite file path; default DataDir/xinyong.db
	Addr    string // XINYONG_ADDR
	Key     string // XINYONG_KEY: base64 of 32 bytes; default: DataDir/xinyong.key, created on first use
	LogJSON bool
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// flags registers the common flags on fs.
func (c *config) flags(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.DataDir, "data", envOr(getenv, "XINYONG_DATA", "data"), "数据目录 / data directory (XINYONG_DATA)")
	fs.StringVar(&c.DB, "db", getenv("XINYONG_DB"), "数据库：SQLite 文件路径或 postgres:// 地址 / SQLite file (default DATA/xinyong.db) or postgres:// URL (XINYONG_DB)")
	c.Key = getenv("XINYONG_KEY")
}

func (c *config) dbPath() string {
	if c.DB != "" {
		return strings.TrimPrefix(c.DB, "sqlite:")
	}
	return filepath.Join(c.DataDir, "xinyong.db")
}

func (c *config) isPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// openStore opens the configured store: PostgreSQL for a postgres:// URL, else SQLite.
func (c *config) openStore(ctx context.Context) (store.Store, error) {
	if c.isPostgres() {
		return postgres.Open(ctx, c.DB)
	}
	return sqlite.Open(ctx, c.dbPath())
}

// masterKey returns the personal-information master key: XINYONG_KEY, or a key file in the data
// directory, created (mode 0600) the first time. Losing it makes sealed data unreadable.
func (c *config) masterKey(stderr io.Writer) ([]byte, error) {
	if c.Key != "" {
		k, err := base64.StdEncoding.DecodeString(c.Key)
		if err != nil || len(k) != 32 {
			return nil, errors.New("XINYONG_KEY 须为 32 字节的 base64 / XINYONG_KEY must be base64 of 32 bytes")
		}
		return k, nil
	}
	path := filepath.Join(c.DataDir, "xinyong.key")
	b, err := os.ReadFile(path) // #nosec G304 -- the key file in the operator's data directory
	if err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("密钥文件损坏 / key file %s is not base64 of 32 bytes", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "已生成个人信息主密钥 / generated the personal-information master key: %s\n"+
		"  请妥善备份；生产环境请改用 XINYONG_KEY / back it up; in production set XINYONG_KEY instead\n", path)
	return k, nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openApp opens the store and the services over it.
func (c *config) openApp(ctx context.Context, e *env) (*app.App, func(), error) {
	key, err := c.masterKey(e.stderr)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := credit.NewSealer(key)
	if err != nil {
		return nil, nil, err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, st, sealer, nil, c.logger(e.stderr))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return a, func() { st.Close() }, nil
}

// parse parses flags, printing usage with -h, and returns the positional arguments. Flags may
// come before, between or after the positional arguments ("rejects 12 -o fix.csv"); "--" ends
// the flags.
func parse(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	fs.SetOutput(e.stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitCode(0)
			}
			return nil, exitCode(2)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseAction parses "ACTION [flags] ARGS…" as well as "[flags] ACTION ARGS…" and returns the
// action followed by the positional arguments.
func parseAction(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		rest, err := parse(fs, e, args[1:])
		if err != nil {
			return nil, err
		}
		return append([]string{args[0]}, rest...), nil
	}
	return parse(fs, e, args)
}

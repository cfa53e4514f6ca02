package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// levelNames are the levels as the command prints them.
var levelNames = map[store.Level]string{
	store.LevelOK:       "正常 ok",
	store.LevelAdvice:   "建议 advice",
	store.LevelWarning:  "警告 warning",
	store.LevelCritical: "严重 critical",
}

// cmdDoctor checks the settings the store runs with (运行环境检查). It exits 1 when a finding
// is a warning or critical, so a monitor or an installation script can act on it.
func cmdDoctor(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	asJSON := fs.Bool("json", false, "以 JSON 输出 / print JSON")
	if _, err := parse(fs, e, args); err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sc, ok := st.(store.SettingsChecker)
	if !ok {
		return credit.Errorf(credit.EINVALID, "该存储没有设置检查 / this store has no settings check")
	}
	fsd, err := sc.CheckSettings(ctx)
	if err != nil {
		return err
	}
	counts, worst := store.Tally(fsd)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"engine": engineName(&c), "findings": fsd}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "存储 / store: %s\n\n", engineName(&c))
		for _, f := range fsd {
			fmt.Fprintf(e.stdout, "[%s] %s = %s\n", levelNames[f.Level], f.Name, f.Current)
			if f.Level == store.LevelOK {
				continue
			}
			if f.Want != "" {
				fmt.Fprintf(e.stdout, "    建议 / want: %s\n", f.Want)
			}
			fmt.Fprintf(e.stdout, "    %s\n    %s\n", f.WhyZH, f.WhyEN)
		}
		fmt.Fprintf(e.stdout, "\n检查 %d 项：严重 %d，警告 %d，建议 %d / %d checked: %d critical, %d warnings, %d advice\n",
			len(fsd), counts[store.LevelCritical], counts[store.LevelWarning], counts[store.LevelAdvice],
			len(fsd), counts[store.LevelCritical], counts[store.LevelWarning], counts[store.LevelAdvice])
	}
	if worst.Rank() >= store.LevelWarning.Rank() {
		return exitCode(1)
	}
	return nil
}

func engineName(c *config) string {
	if c.isPostgres() {
		return "PostgreSQL"
	}
	return "SQLite " + c.dbPath()
}

// logSettings logs the store's warning and critical findings when the server starts, one line
// each; `xinyong doctor` shows them all. A check that fails is logged and does not stop the
// server.
func logSettings(ctx context.Context, st store.Store, log *slog.Logger) {
	sc, ok := st.(store.SettingsChecker)
	if !ok {
		return
	}
	fsd, err := sc.CheckSettings(ctx)
	if err != nil {
		log.Warn("settings check", "err", err)
		return
	}
	for _, f := range fsd {
		if f.Level.Rank() < store.LevelWarning.Rank() {
			continue
		}
		lvl := slog.LevelWarn
		if f.Level == store.LevelCritical {
			lvl = slog.LevelError
		}
		log.Log(ctx, lvl, "database setting (xinyong doctor)", "setting", f.Name, "current", f.Current, "want", f.Want, "why", f.WhyEN)
	}
}

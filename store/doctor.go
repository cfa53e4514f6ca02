package store

import (
	"context"
	"slices"
)

// Level is how much a Finding matters.
type Level string

// The levels of a Finding, from fine to serious.
const (
	// LevelOK: the setting is as Xinyong needs it.
	LevelOK Level = "ok"
	// LevelAdvice (建议): the store works, but a city-sized store was measured faster with
	// another value.
	LevelAdvice Level = "advice"
	// LevelWarning (警告): something the platform relies on is off — planner statistics,
	// durability of answered writes, long statements.
	LevelWarning Level = "warning"
	// LevelCritical (严重): data can be lost or damaged (a crash with fsync off) or cannot be
	// stored correctly (a database that is not UTF-8).
	LevelCritical Level = "critical"
)

// Finding is one line of a store's settings check (运行环境检查, `xinyong doctor`): a setting of
// the database server or of the store's files, what it is, what Xinyong wants and why.
type Finding struct {
	Level   Level  `json:"level"`
	Name    string `json:"name"`
	Current string `json:"current"`
	Want    string `json:"want,omitempty"`
	WhyZH   string `json:"why_zh"`
	WhyEN   string `json:"why_en"`
}

// SettingsChecker is a store that can check the settings it runs with. The findings list every
// setting checked, those that are fine included, most serious first.
type SettingsChecker interface {
	CheckSettings(ctx context.Context) ([]Finding, error)
}

// Rank orders levels: ok 0, advice 1, warning 2, critical 3.
func (l Level) Rank() int {
	switch l {
	case LevelAdvice:
		return 1
	case LevelWarning:
		return 2
	case LevelCritical:
		return 3
	}
	return 0
}

// SortFindings puts the most serious findings first, keeping the order of those of one level.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int { return b.Level.Rank() - a.Level.Rank() })
}

// Tally counts findings by level and returns the most serious level among them (LevelOK when
// there are none).
func Tally(fs []Finding) (counts map[Level]int, worst Level) {
	counts, worst = map[Level]int{}, LevelOK
	for _, f := range fs {
		counts[f.Level]++
		if f.Level.Rank() > worst.Rank() {
			worst = f.Level
		}
	}
	return counts, worst
}

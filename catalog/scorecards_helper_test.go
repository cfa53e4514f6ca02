package catalog

import (
	"time"

	"github.com/xinyong/xinyong/credit"
)

func compileAndRun(c *credit.Scorecard, cat *credit.Catalog) (*credit.Score, error) {
	cc, err := credit.Compile(c, cat)
	if err != nil {
		return nil, err
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	recs := []*credit.Record{
		{ID: 1, Item: "honour", Status: credit.RecordActive, Decision: now.AddDate(0, -1, 0), Fields: map[string]string{"level": "国家级"}},
		{ID: 2, Item: "admin_penalty", Status: credit.RecordActive, Decision: now.AddDate(-1, 0, 0), Fields: map[string]string{"fine_amount": "100"}},
	}
	var s credit.Score
	cc.Evaluate(&credit.Evaluator{}, recs, now, true, &s)
	if s.Grade == "" {
		return nil, credit.Errorf(credit.EINTERNAL, "no grade for %d", s.Total)
	}
	return &s, nil
}

package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
)

// Scores and grades (信用评分与评级, issue 7): the scorecards in force, the bulk recompute and
// the incremental one, the explanation of a score, and what uses grades (信易+ benefits, graded
// supervision, the portal's public evaluation grade).

// Audit actions of scoring.
const (
	ActionScorecardPublish = "scorecard.publish"
	ActionScoreRecompute   = "score.recompute"
	ActionConsentGrant     = "consent.grant"
	ActionConsentRevoke    = "consent.revoke"
)

// scoring is the compiled state in force: the cards (the newest version of each whose
// effective date has come), the items they read, the benefits and the supervision table.
type scoring struct {
	catVersion  int
	day         string
	cards       []*credit.CompiledCard
	byCode      map[string]*credit.CompiledCard
	items       []string
	benefits    []credit.Benefit
	supervision []credit.Supervision
}

// scoring returns the state in force, loading it (and saving the embedded default cards as
// version 1 into a store that has none) on first use, when the catalog changed, or on a new day
// (a version may become effective).
func (a *App) scoring(ctx context.Context) (*scoring, error) {
	day := a.Now().UTC().Format(time.DateOnly)
	if s := a.scores.Load(); s != nil {
		if s.catVersion == a.Catalog().Version && s.day == day {
			return s, nil
		}
	}
	return a.reloadScoring(ctx)
}

func (a *App) reloadScoring(ctx context.Context) (*scoring, error) {
	cat := a.Catalog()
	defaults, err := catalog.DefaultScorecards(cat)
	if err != nil {
		return nil, fmt.Errorf("default scorecards: %w", err)
	}
	stored, err := a.Store.Scorecards(ctx, "")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, v := range stored {
		have[v.Card.Code] = true
	}
	for _, d := range defaults {
		if have[d.Code] {
			continue
		}
		d.Version = 1
		v := &store.ScorecardVersion{Card: d, PublishedAt: a.Now().UTC(), PublishedBy: ActorSystem}
		// Seeding the embedded default is like a migration: the row itself (published by
		// "system") is the record of it, and no audit entry is appended, so the first import
		// or page that needs scores does not change the audit trail.
		err := a.Store.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.Scorecard(ctx, d.Code, 0); err == nil {
				return nil // another process was first
			}
			return tx.SaveScorecard(v)
		})
		if err != nil {
			return nil, err
		}
		stored = append(stored, v)
	}
	now := a.Now().UTC()
	s := &scoring{catVersion: cat.Version, day: now.Format(time.DateOnly), byCode: map[string]*credit.CompiledCard{}}
	// The newest version of each card that is effective today (a version published for a later
	// date waits; when none is effective yet, the newest one applies).
	pick := map[string]*credit.Scorecard{}
	var order []string
	for _, v := range stored {
		c := v.Card
		cur, seen := pick[c.Code]
		if !seen {
			order = append(order, c.Code)
		}
		effective := c.EffectiveFrom == "" || c.EffectiveFrom <= s.day
		if !seen || effective && (cur.EffectiveFrom > s.day || c.Version > cur.Version) {
			pick[c.Code] = c
		}
	}
	slices.SortStableFunc(order, func(x, y string) int { return rankCode(x) - rankCode(y) })
	items := map[string]bool{}
	for _, code := range order {
		cc, err := credit.Compile(pick[code], cat)
		if err != nil {
			a.Log.Error("scorecard does not fit the catalog in force; it is not applied", "card", code, "err", err)
			continue
		}
		s.cards = append(s.cards, cc)
		s.byCode[code] = cc
		for _, in := range cc.Card.Indicators {
			if in.Item != "" {
				items[in.Item] = true
			}
		}
		for _, it := range cc.Card.AnyItem {
			items[it] = true
		}
	}
	for it := range items {
		s.items = append(s.items, it)
	}
	slices.Sort(s.items)
	cards := make([]*credit.Scorecard, 0, len(s.cards))
	for _, cc := range s.cards {
		cards = append(cards, cc.Card)
	}
	if s.benefits, err = catalog.DefaultBenefits(cards); err != nil {
		return nil, err
	}
	if s.supervision, err = catalog.DefaultSupervision(cards); err != nil {
		return nil, err
	}
	a.scores.Store(s)
	return s, nil
}

func rankCode(code string) int {
	if i := slices.Index(catalog.DefaultScorecardCodes, code); i >= 0 {
		return i
	}
	return len(catalog.DefaultScorecardCodes)
}

// Scorecards returns the scorecards in force, in display order.
func (a *App) Scorecards(ctx context.Context) ([]*credit.Scorecard, error) {
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*credit.Scorecard, len(s.cards))
	for i, cc := range s.cards {
		out[i] = cc.Card
	}
	return out, nil
}

// ScorecardVersions returns every published version of a card, oldest first.
func (a *App) ScorecardVersions(ctx context.Context, code string) ([]*store.ScorecardVersion, error) {
	if _, err := a.scoring(ctx); err != nil {
		return nil, err
	}
	return a.Store.Scorecards(ctx, code)
}

// Benefits returns the 信易+ benefits list.
func (a *App) Benefits(ctx context.Context) ([]credit.Benefit, error) {
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	return s.benefits, nil
}

// Supervision returns the graded-supervision table: the inspection ratio and frequency per
// grade, which the random-inspection draw reads.
func (a *App) Supervision(ctx context.Context) ([]credit.Supervision, error) {
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	return s.supervision, nil
}

// CheckScorecard parses and checks a scorecard against the catalog in force.
func (a *App) CheckScorecard(body []byte) (*credit.Scorecard, error) {
	return catalog.ParseScorecard(bytes.NewReader(body), a.Catalog())
}

// Preview is what a scorecard would give on a sample of subjects, beside the card in force.
type Preview struct {
	Card     *credit.Scorecard `json:"card"`
	Sampled  int               `json:"sampled"` // subjects the card applies to in the sample
	Grades   []GradeCount      `json:"grades"`
	Current  []GradeCount      `json:"current,omitempty"` // the card in force on the same sample
	Changed  int               `json:"changed"`           // subjects whose grade would change
	MinTotal int               `json:"min_total"`
	MaxTotal int               `json:"max_total"`
	Mean     float64           `json:"mean"`
}

// GradeCount is how many subjects have a grade.
type GradeCount struct {
	Grade string `json:"grade"`
	Name  string `json:"name,omitempty"`
	Count int    `json:"count"`
}

// MaxPreviewSample bounds the subjects a preview reads.
const MaxPreviewSample = 50000

// PreviewScorecard checks card and scores a sample of up to sample subjects (the first ones
// in id order) with it and with the version in force: grade distribution and how many grades
// would change. Nothing is saved; no subject is named.
func (a *App) PreviewScorecard(ctx context.Context, card *credit.Scorecard, sample int) (*Preview, error) {
	cc, err := credit.Compile(card, a.Catalog())
	if err != nil {
		return nil, err
	}
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	cur := s.byCode[card.Code]
	sample = min(max(sample, 1), MaxPreviewSample)
	p := &Preview{Card: card, MinTotal: card.Max, MaxTotal: card.Min}
	now := a.Now().UTC()
	withdrawn, err := a.Store.WithdrawnRecords(ctx)
	if err != nil {
		return nil, err
	}
	counts, curCounts := map[string]int{}, map[string]int{}
	ev := &credit.Evaluator{}
	var sc, sc2 credit.Score
	sum := 0
	var after int64
	for p.Sampled < sample {
		chunk, err := a.Store.ScoringChunk(ctx, after, min(5000, sample*4), nil)
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			break
		}
		after = chunk[len(chunk)-1].ID
		for _, sub := range chunk {
			sub.Records = dropWithdrawn(sub.Records, withdrawn)
			if p.Sampled >= sample || !cc.Scores(sub.Kind.Class(), sub.Records) {
				continue
			}
			p.Sampled++
			cc.Evaluate(ev, sub.Records, now, false, &sc)
			counts[sc.Grade]++
			sum += sc.Total
			p.MinTotal, p.MaxTotal = min(p.MinTotal, sc.Total), max(p.MaxTotal, sc.Total)
			if cur != nil && cur.Scores(sub.Kind.Class(), sub.Records) {
				cur.Evaluate(ev, sub.Records, now, false, &sc2)
				curCounts[sc2.Grade]++
				if sc2.Grade != sc.Grade {
					p.Changed++
				}
			} else {
				p.Changed++
			}
		}
	}
	if p.Sampled > 0 {
		p.Mean = float64(sum) / float64(p.Sampled)
	} else {
		p.MinTotal, p.MaxTotal = 0, 0
	}
	for _, g := range card.Grades {
		p.Grades = append(p.Grades, GradeCount{Grade: g.Grade, Name: g.NameZH, Count: counts[g.Grade]})
	}
	if cur != nil {
		for _, g := range cur.Card.Grades {
			p.Current = append(p.Current, GradeCount{Grade: g.Grade, Name: g.NameZH, Count: curCounts[g.Grade]})
		}
	}
	return p, nil
}

// PublishScorecard checks card and saves it as the next version of its code; it applies from
// its effective date (today when empty). Scores are not recomputed here: RecomputeAll does
// that, and every score records the version that produced it.
func (a *App) PublishScorecard(ctx context.Context, actor string, card *credit.Scorecard) (*credit.Scorecard, error) {
	if err := card.Check(a.Catalog()); err != nil {
		return nil, err
	}
	if card.EffectiveFrom == "" {
		card.EffectiveFrom = a.Now().UTC().Format(time.DateOnly)
	}
	err := a.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Scorecard(ctx, card.Code, 0)
		switch {
		case err == nil:
			card.Version = cur.Card.Version + 1
		case credit.ErrorCode(err) == credit.ENOTFOUND:
			card.Version = 1
		default:
			return err
		}
		if err := tx.SaveScorecard(&store.ScorecardVersion{Card: card, PublishedAt: a.Now().UTC(), PublishedBy: actor}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionScorecardPublish, fmt.Sprintf("scorecard:%s:v%d", card.Code, card.Version),
			map[string]any{"code": card.Code, "version": card.Version, "effective_from": card.EffectiveFrom,
				"indicators": len(card.Indicators), "note": card.Note})
	})
	if err != nil {
		return nil, err
	}
	if _, err := a.reloadScoring(ctx); err != nil {
		return nil, err
	}
	a.Log.Info("scorecard published", "card", card.Code, "version", card.Version, "by", actor)
	return card, nil
}

// RecomputeStats sums up a recompute.
type RecomputeStats struct {
	Subjects     int64         `json:"subjects"`      // subjects read
	Scored       int64         `json:"scored"`        // scores computed (a subject may have several cards)
	Changed      int64         `json:"changed"`       // scores that differed from the stored ones and were written
	GradeChanges int64         `json:"grade_changes"` // of which the grade changed
	Elapsed      time.Duration `json:"elapsed_ns"`
}

// RescoreBatchLimit is the largest batch (new records and versions) whose subjects are
// rescored as soon as it commits; larger ones are bulk loads, rescored by the next recompute
// (the daily one, or an operator's after the load).
const RescoreBatchLimit = 1000

// RecomputeChunk is how many subjects the recompute reads at a time.
const RecomputeChunk = 4000

type scoredChunk struct {
	ids    []int64 // the subjects read, in id order
	keys   map[int64]string
	scores map[string][]*credit.Score // by card
	n      int
}

// RecomputeAll scores every subject on every card in force: a reader streams subjects with
// their active records in id order in chunks, workers (one per core) evaluate them, and one
// writer compares each chunk with the stored scores and writes only what changed, with a
// grade.changed status change for every changed grade, in one transaction per chunk. progress,
// when set, is called after each chunk with the subjects done so far.
func (a *App) RecomputeAll(ctx context.Context, actor string, progress func(done int64)) (*RecomputeStats, error) {
	start := time.Now()
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	withdrawn, err := a.Store.WithdrawnRecords(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	raw := make(chan []store.ScoringSubject, 2)
	done := make(chan *scoredChunk, 2)
	go func() {
		defer close(raw)
		var after int64
		for {
			chunk, err := a.Store.ScoringChunk(ctx, after, RecomputeChunk, s.items)
			if err != nil {
				cancel(err)
				return
			}
			if len(chunk) == 0 {
				return
			}
			after = chunk[len(chunk)-1].ID
			select {
			case raw <- chunk:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &credit.Evaluator{}
			for chunk := range raw {
				out := evaluateChunk(s, ev, chunk, now, withdrawn)
				select {
				case done <- out:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return a.drainScores(ctx, cancel, actor, start, done, progress)
}

// evaluateChunk scores one chunk of subjects on every card that applies to each.
func evaluateChunk(s *scoring, ev *credit.Evaluator, chunk []store.ScoringSubject, now time.Time, withdrawn map[int64]bool) *scoredChunk {
	out := &scoredChunk{ids: make([]int64, len(chunk)), keys: make(map[int64]string, len(chunk)),
		scores: map[string][]*credit.Score{}, n: len(chunk)}
	for i := range chunk {
		out.ids[i] = chunk[i].ID
		chunk[i].Records = dropWithdrawn(chunk[i].Records, withdrawn)
	}
	for _, cc := range s.cards {
		list := make([]credit.Score, 0, len(chunk))
		for _, sub := range chunk {
			if !cc.Scores(sub.Kind.Class(), sub.Records) {
				continue
			}
			list = append(list, credit.Score{SubjectID: sub.ID})
			cc.Evaluate(ev, sub.Records, now, false, &list[len(list)-1])
			out.keys[sub.ID] = sub.Key
		}
		ptrs := make([]*credit.Score, len(list))
		for i := range list {
			ptrs[i] = &list[i]
		}
		out.scores[cc.Card.Code] = ptrs
	}
	return out
}

// drainScores writes the evaluated chunks as they come and sums up.
func (a *App) drainScores(ctx context.Context, cancel context.CancelCauseFunc, actor string, start time.Time, done <-chan *scoredChunk, progress func(int64)) (*RecomputeStats, error) {
	st := &RecomputeStats{}
	for chunk := range done {
		if ctx.Err() != nil {
			continue
		}
		if err := a.writeScores(ctx, actor, chunk, st); err != nil {
			cancel(err)
			continue
		}
		st.Subjects += int64(chunk.n)
		if progress != nil {
			progress(st.Subjects)
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return st, err
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	err := a.update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		return a.audit(ctx, tx, actor, ActionScoreRecompute, "scores",
			map[string]any{"subjects": st.Subjects, "scored": st.Scored, "changed": st.Changed, "grade_changes": st.GradeChanges})
	})
	a.Log.Info("scores recomputed", "subjects", st.Subjects, "scored", st.Scored, "changed", st.Changed,
		"grade_changes", st.GradeChanges, "elapsed", st.Elapsed)
	return st, err
}

// writeScores writes the scores of one chunk that differ from the stored ones.
func (a *App) writeScores(ctx context.Context, actor string, chunk *scoredChunk, st *RecomputeStats) error {
	var scored, changed, grades int64
	err := a.update(ctx, func(tx store.Tx) error {
		scored, changed, grades = 0, 0, 0
		var put []*credit.Score
		var moves []credit.StatusChange
		for card, list := range chunk.scores {
			if len(list) == 0 {
				continue
			}
			old, err := tx.ScoresOf(ctx, card, chunk.ids)
			if err != nil {
				return err
			}
			for _, sc := range list {
				scored++
				prev := old[sc.SubjectID]
				if prev != nil && prev.Total == sc.Total && prev.Grade == sc.Grade && prev.Version == sc.Version && prev.GradeCapped == sc.GradeCapped {
					continue
				}
				put = append(put, sc)
				if prev != nil && prev.Grade != sc.Grade {
					moves = append(moves, gradeChange(chunk.keys[sc.SubjectID], sc, prev, actor))
				}
			}
		}
		changed, grades = int64(len(put)), int64(len(moves))
		if err := tx.PutScores(put); err != nil {
			return err
		}
		for _, ch := range moves {
			if err := a.StatusChanged(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		st.Scored += scored
		st.Changed += changed
		st.GradeChanges += grades
	}
	return err
}

func gradeChange(key string, sc, prev *credit.Score, actor string) credit.StatusChange {
	if actor == "" {
		actor = ActorSystem
	}
	return credit.StatusChange{Kind: credit.ChangeGradeChanged, SubjectID: sc.SubjectID, SubjectKey: key, Grade: sc.Grade,
		Reason: fmt.Sprintf("%s v%d: %s → %s (%d → %d)", sc.Card, sc.Version, prev.Grade, sc.Grade, prev.Total, sc.Total),
		By:     actor, At: sc.At}
}

// RescoreSubjects recomputes the scores of the given subjects now, writing only what changed
// and reporting every grade change (grade.changed). The import calls it for the subjects a
// batch touched; the rights services call it after a record is corrected, revoked or repaired.
func (a *App) RescoreSubjects(ctx context.Context, ids []int64) error {
	s, err := a.scoring(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	now := a.Now().UTC()
	withdrawn, err := a.Store.WithdrawnRecords(ctx)
	if err != nil {
		return err
	}
	ev := &credit.Evaluator{}
	for start := 0; start < len(ids); start += RecomputeChunk {
		subs, err := a.Store.ScoringSubjects(ctx, ids[start:min(start+RecomputeChunk, len(ids))], s.items)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			continue
		}
		if err := a.writeScores(ctx, ActorSystem, evaluateChunk(s, ev, subs, now, withdrawn), &RecomputeStats{}); err != nil {
			return err
		}
	}
	return nil
}

// recordMark is the highest record id before an import (0 when unknown: the rescore then
// reads the whole table for the batch's records, which only a resumed import needs).
func (a *App) recordMark(ctx context.Context) int64 {
	id, err := a.Store.MaxRecordID(ctx)
	if err != nil {
		return 0
	}
	return id
}

// rescoreBatch rescores the subjects whose records a finished import batch wrote (those with
// ids above from), when the batch's item is one the cards read. Errors are logged: the scores
// catch up at the next recompute, and the import itself succeeded.
func (a *App) rescoreBatch(ctx context.Context, res *ingest.Result, from int64) {
	b := res.Batch
	s, err := a.scoring(ctx)
	if err != nil {
		a.Log.Error("rescore after import", "batch", b.ID, "err", err)
		return
	}
	if _, used := slices.BinarySearch(s.items, b.Item); !used || b.Accepted+b.Versions == 0 {
		return
	}
	if n := b.Accepted + b.Versions; n > RescoreBatchLimit {
		// A bulk load: rescoring it subject by subject would cost as much again as the import
		// (each touched subject's records are read back); one recompute afterwards is cheaper.
		a.Log.Info("large batch: its subjects are rescored by the next `xinyong score recompute`", "batch", b.ID, "records", n)
		return
	}
	if res.Resumed {
		from = 0 // earlier runs wrote records below the mark
	}
	start := time.Now()
	ids, err := a.Store.BatchSubjects(ctx, b.ID, from)
	if err == nil {
		err = a.RescoreSubjects(ctx, ids)
	}
	a.Log.Debug("rescored after import", "batch", b.ID, "subjects", len(ids), "elapsed", time.Since(start))
	if err != nil {
		a.Log.Error("rescore after import; run `xinyong score recompute`", "batch", b.ID, "err", err)
	}
}

// ScoreView is one card's score of a subject with its explanation and history.
type ScoreView struct {
	Card    *credit.Scorecard `json:"-"`
	Score   *credit.Score     `json:"score"`
	Grade   *credit.GradeBand `json:"grade_band,omitempty"`
	History []*credit.Score   `json:"history"`
	Items   map[string]string `json:"-"` // item code → Chinese name, for the lines
}

// MaxScoreHistory is how many history rows a score view lists.
const MaxScoreHistory = 24

// ExplainSubject computes the subject's scores on every card that applies, now, line by line,
// with the stored history. Callers decide who may see it: OwnScores for the subject itself,
// SubjectScoresFor for staff with a purpose.
func (a *App) ExplainSubject(ctx context.Context, sub *credit.Subject) ([]*ScoreView, error) {
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := a.Store.SubjectRecords(ctx, sub.ID, store.RecordFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	// The subject's own record states (one indexed read), not the platform's whole withdrawn set.
	states, err := a.Store.RecordStates(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	withdrawn := map[int64]bool{}
	for _, r := range recs {
		if st := states[store.RecordKey{Dept: r.Dept, Item: r.Item, SourceID: r.SourceID}]; st != nil && (!st.RepairedAt.IsZero() || !st.RevokedAt.IsZero()) {
			withdrawn[r.ID] = true
		}
	}
	recs = dropWithdrawn(recs, withdrawn)
	now := a.Now().UTC()
	items := map[string]string{}
	for _, it := range a.Catalog().Items {
		items[it.Code] = it.NameZH
	}
	var out []*ScoreView
	for _, cc := range s.cards {
		if !cc.Scores(sub.Kind.Class(), recs) {
			continue
		}
		sc := &credit.Score{SubjectID: sub.ID}
		cc.Evaluate(&credit.Evaluator{}, recs, now, true, sc)
		v := &ScoreView{Card: cc.Card, Score: sc, Items: items}
		if i := cc.Card.Rank(sc.Grade); i >= 0 {
			v.Grade = &cc.Card.Grades[i]
		}
		if v.History, err = a.Store.ScoreHistory(ctx, sub.ID, cc.Card.Code, MaxScoreHistory); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// OwnScores is ExplainSubject for a subject signed in to self-service, about itself only.
func (a *App) OwnScores(ctx context.Context, p *auth.Principal) (*credit.Subject, []*ScoreView, error) {
	sub, err := a.ownSubject(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	views, err := a.ExplainSubject(ctx, sub)
	return sub, views, err
}

func (a *App) ownSubject(ctx context.Context, p *auth.Principal) (*credit.Subject, error) {
	if p == nil || p.Kind != auth.KindSubject || p.SubjectKey == "" {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有信用主体本人可以查看 / only the subject itself may see this")
	}
	return a.Store.SubjectByKey(ctx, p.SubjectKey)
}

// SubjectScoresFor is ExplainSubject for government staff with a stated purpose; the read is
// entered in the query log first. code is a unified code or resident ID.
func (a *App) SubjectScoresFor(ctx context.Context, p *auth.Principal, purpose, code, route, remoteAddr string) (*credit.Subject, []*ScoreView, error) {
	sub, err := a.findSubject(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	if err := a.LogQuery(ctx, p, purpose, sub.Key, route, "scores", remoteAddr); err != nil {
		return nil, nil, err
	}
	views, err := a.ExplainSubject(ctx, sub)
	return sub, views, err
}

// SubjectScoresCLI is SubjectScoresFor for an operator at the command line (actor
// "cli:<user>"), who must state a purpose too.
func (a *App) SubjectScoresCLI(ctx context.Context, actor, purpose, code string) (*credit.Subject, []*ScoreView, error) {
	sub, err := a.findSubject(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	if err := a.logCLIQuery(ctx, actor, purpose, sub.Key, "cli score show", "scores"); err != nil {
		return nil, nil, err
	}
	views, err := a.ExplainSubject(ctx, sub)
	return sub, views, err
}

// logCLIQuery enters a command-line read of non-public data in the query log; a purpose is
// required.
func (a *App) logCLIQuery(ctx context.Context, actor, purpose, subjectKey, route, returned string) error {
	purpose, err := auth.CleanPurpose(purpose)
	if err != nil {
		return err
	}
	if purpose == "" {
		return auth.ErrPurposeMissing
	}
	q := &store.QueryLog{At: a.Now().UTC(), Actor: actor, Purpose: purpose, SubjectKey: subjectKey, Route: route, Returned: returned}
	return a.Store.Update(ctx, func(tx store.Tx) error { return tx.AppendQueryLog(q) })
}

// ConsentsCLI lists a person's consents and their uses for an operator at the command line
// (helping a citizen at the counter), with a stated purpose, logged.
func (a *App) ConsentsCLI(ctx context.Context, actor, purpose, id string) (*ConsentView, error) {
	sub, err := a.findSubject(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sub.IsPerson() {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到该主体 / subject not found")
	}
	if err := a.logCLIQuery(ctx, actor, purpose, sub.Key, "cli consent list", "consents"); err != nil {
		return nil, err
	}
	v := &ConsentView{}
	if v.Consents, err = a.Store.Consents(ctx, sub.ID); err != nil {
		return nil, err
	}
	v.Uses, err = a.Store.ConsentUses(ctx, sub.ID, MaxConsentUses)
	return v, err
}

// findSubject finds a subject by unified code, legacy code or resident ID. An unknown or
// malformed one is ENOTFOUND, whatever was typed, with nothing about it in the message.
func (a *App) findSubject(ctx context.Context, code string) (*credit.Subject, error) {
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return nil, err
	}
	notFound := credit.Errorf(credit.ENOTFOUND, "未找到该主体 / subject not found")
	if !cr.Valid {
		return nil, notFound
	}
	sub, err := a.subjectByCode(ctx, cr)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil, notFound
	}
	return sub, err
}

// PublicGrade is an organisation's grade on a public evaluation model, as the portal shows it.
type PublicGrade struct {
	Card     string `json:"card"`
	CardName string `json:"card_name"`
	// CardNameEN is the card's English name (pages in English); "" when the card has none.
	CardNameEN string    `json:"card_name_en,omitempty"`
	Grade      string    `json:"grade"`
	GradeName  string    `json:"grade_name,omitempty"`
	Version    int       `json:"version"`
	At         time.Time `json:"computed_at"`
}

// PublicGrades returns the stored grades of an organisation on the cards marked public. A
// natural person has none: persons' scores are never public.
func (a *App) PublicGrades(ctx context.Context, sub *credit.Subject) ([]PublicGrade, error) {
	if sub == nil || sub.IsPerson() {
		return nil, nil
	}
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := a.Store.SubjectScores(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	var out []PublicGrade
	for _, sc := range stored {
		cc := s.byCode[sc.Card]
		if cc == nil || !cc.Card.Public {
			continue
		}
		g := PublicGrade{Card: sc.Card, CardName: cc.Card.NameZH, CardNameEN: cc.Card.NameEN, Grade: sc.Grade, Version: sc.Version, At: sc.At}
		if i := cc.Card.Rank(sc.Grade); i >= 0 {
			g.GradeName = cc.Card.Grades[i].NameZH
		}
		out = append(out, g)
	}
	return out, nil
}

// GradeDistribution counts the stored scores of a card per grade, in the card's grade order.
func (a *App) GradeDistribution(ctx context.Context, code string) ([]GradeCount, error) {
	s, err := a.scoring(ctx)
	if err != nil {
		return nil, err
	}
	cc := s.byCode[code]
	if cc == nil {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到评分模型 / scorecard not found")
	}
	m, err := a.Store.GradeCounts(ctx, code)
	if err != nil {
		return nil, err
	}
	out := make([]GradeCount, 0, len(cc.Card.Grades))
	for _, g := range cc.Card.Grades {
		out = append(out, GradeCount{Grade: g.Grade, Name: g.NameZH, Count: int(m[g.Grade])})
	}
	return out, nil
}

// dropWithdrawn leaves out the records a repair or a revocation took out of use (信用修复,
// 异议撤销): a repaired record stays in the archive and in government sharing, but like the
// portal and the window check, scores stop counting it; a revoked one was wrong.
func dropWithdrawn(recs []*credit.Record, withdrawn map[int64]bool) []*credit.Record {
	if len(withdrawn) == 0 {
		return recs
	}
	var out []*credit.Record
	for i, r := range recs {
		if withdrawn[r.ID] {
			if out == nil {
				out = append(make([]*credit.Record, 0, len(recs)-1), recs[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, r)
		}
	}
	if out == nil {
		return recs
	}
	return out
}

// rescoreAfter rescores one subject after a record of it was corrected, revoked or repaired.
// The change is committed already; a failure is logged and the daily recompute catches up.
func (a *App) rescoreAfter(ctx context.Context, subjectID int64) {
	if err := a.RescoreSubjects(ctx, []int64{subjectID}); err != nil {
		a.Log.Error("rescore after a record change", "subject", subjectID, "err", err)
	}
}

package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

func (r reader) Scorecards(ctx context.Context, code string) ([]*store.ScorecardVersion, error) {
	rows, err := r.q.Query(ctx, `SELECT body, published_at, published_by FROM scorecards
		WHERE $1 = '' OR code = $1 ORDER BY code, version`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.ScorecardVersion
	for rows.Next() {
		v, err := scanScorecard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanScorecard(sc interface{ Scan(...any) error }) (*store.ScorecardVersion, error) {
	var body []byte
	var at *time.Time
	v := &store.ScorecardVersion{}
	if err := sc.Scan(&body, &at, &v.PublishedBy); err != nil {
		return nil, err
	}
	v.PublishedAt = fromTS(at)
	if err := json.Unmarshal(body, &v.Card); err != nil {
		return nil, err
	}
	return v, nil
}

func (r reader) Scorecard(ctx context.Context, code string, version int) (*store.ScorecardVersion, error) {
	v, err := scanScorecard(r.q.QueryRow(ctx, `SELECT body, published_at, published_by FROM scorecards
		WHERE code = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1`, code, version))
	if err != nil {
		return nil, notFound("评分模型", "scorecard", err)
	}
	return v, nil
}

const scoreCols = `subject_id, card, version, total, grade, capped_by, computed_at`

func scanScore(sc interface{ Scan(...any) error }) (*credit.Score, error) {
	var s credit.Score
	var at *time.Time
	if err := sc.Scan(&s.SubjectID, &s.Card, &s.Version, &s.Total, &s.Grade, &s.GradeCapped, &at); err != nil {
		return nil, err
	}
	s.At = fromTS(at)
	return &s, nil
}

func (r reader) scores(ctx context.Context, q string, args ...any) ([]*credit.Score, error) {
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Score
	for rows.Next() {
		s, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r reader) SubjectScores(ctx context.Context, subjectID int64) ([]*credit.Score, error) {
	return r.scores(ctx, `SELECT `+scoreCols+` FROM scores WHERE subject_id = $1 ORDER BY card`, subjectID)
}

func (r reader) ScoresOf(ctx context.Context, card string, ids []int64) (map[int64]*credit.Score, error) {
	m := make(map[int64]*credit.Score, len(ids))
	if len(ids) == 0 {
		return m, nil
	}
	list, err := r.scores(ctx, `SELECT `+scoreCols+` FROM scores WHERE subject_id = ANY($1) AND card = $2`, ids, card)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		m[s.SubjectID] = s
	}
	return m, nil
}

func (r reader) ScoreHistory(ctx context.Context, subjectID int64, card string, limit int) ([]*credit.Score, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	return r.scores(ctx, `SELECT subject_id, card, version, total, grade, '', computed_at FROM score_history
		WHERE subject_id = $1 AND card = $2 ORDER BY id DESC LIMIT $3`, subjectID, card, lim)
}

func (r reader) GradeCounts(ctx context.Context, card string) (map[string]int64, error) {
	rows, err := r.q.Query(ctx, `SELECT grade, count(*) FROM scores WHERE card = $1 GROUP BY grade`, card)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var g string
		var n int64
		if err := rows.Scan(&g, &n); err != nil {
			return nil, err
		}
		m[g] = n
	}
	return m, rows.Err()
}

func (r reader) ScoringChunk(ctx context.Context, after int64, limit int, items []string) ([]store.ScoringSubject, error) {
	out, err := r.scoringHeads(ctx, `SELECT id, key, kind FROM subjects WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, r.scoringRecords(ctx, out, `subject_id BETWEEN $1 AND $2`, []any{out[0].ID, out[len(out)-1].ID}, items)
}

func (r reader) ScoringSubjects(ctx context.Context, ids []int64, items []string) ([]store.ScoringSubject, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := r.scoringHeads(ctx, `SELECT id, key, kind FROM subjects WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, r.scoringRecords(ctx, out, `subject_id = ANY($1)`, []any{ids}, items)
}

func (r reader) scoringHeads(ctx context.Context, q string, args ...any) ([]store.ScoringSubject, error) {
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ScoringSubject
	for rows.Next() {
		var s store.ScoringSubject
		if err := rows.Scan(&s.ID, &s.Key, &s.Kind); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// scoringRecords attaches the active records of items (all when empty) matching where to out,
// which is in id order.
func (r reader) scoringRecords(ctx context.Context, out []store.ScoringSubject, where string, args []any, items []string) error {
	q := `SELECT subject_id, id, item, fields, decision FROM records WHERE ` + where + ` AND status = 'active'`
	if len(items) > 0 {
		args = append(args, items)
		q += ` AND item = ANY($` + strconv.Itoa(len(args)) + `)`
	}
	q += ` ORDER BY subject_id`
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		rec := &credit.Record{Status: credit.RecordActive}
		var fields []byte
		var decision *time.Time
		if err := rows.Scan(&rec.SubjectID, &rec.ID, &rec.Item, &fields, &decision); err != nil {
			return err
		}
		if err := json.Unmarshal(fields, &rec.Fields); err != nil {
			return err
		}
		rec.Decision = fromTS(decision)
		for i < len(out) && out[i].ID < rec.SubjectID {
			i++
		}
		if i < len(out) && out[i].ID == rec.SubjectID {
			out[i].Records = append(out[i].Records, rec)
		}
	}
	return rows.Err()
}

const consentCols = `id, subject_id, partner, scope, purpose, created_at, expires_at, revoked_at`

func scanConsent(sc interface{ Scan(...any) error }) (*credit.Consent, error) {
	var c credit.Consent
	var created, expires, revoked *time.Time
	if err := sc.Scan(&c.ID, &c.SubjectID, &c.Partner, &c.Scope, &c.Purpose, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt, c.RevokedAt = fromTS(created), fromTS(expires), fromTS(revoked)
	return &c, nil
}

func (r reader) Consent(ctx context.Context, id int64) (*credit.Consent, error) {
	c, err := scanConsent(r.q.QueryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE id = $1`, id))
	if err != nil {
		return nil, notFound("授权", "consent", err)
	}
	return c, nil
}

func (r reader) Consents(ctx context.Context, subjectID int64) ([]*credit.Consent, error) {
	rows, err := r.q.Query(ctx, `SELECT `+consentCols+` FROM consents WHERE subject_id = $1 ORDER BY id DESC`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r reader) ConsentUses(ctx context.Context, subjectID int64, limit int) ([]*credit.ConsentUse, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := r.q.Query(ctx, `SELECT consent_id, subject_id, partner, actor, what, result, at FROM consent_uses
		WHERE subject_id = $1 ORDER BY id DESC LIMIT $2`, subjectID, lim)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.ConsentUse
	for rows.Next() {
		var u credit.ConsentUse
		var at *time.Time
		if err := rows.Scan(&u.ConsentID, &u.SubjectID, &u.Partner, &u.Actor, &u.What, &u.Result, &at); err != nil {
			return nil, err
		}
		u.At = fromTS(at)
		out = append(out, &u)
	}
	return out, rows.Err()
}

func (t *tx) SaveScorecard(v *store.ScorecardVersion) error {
	body, err := json.Marshal(v.Card)
	if err != nil {
		return err
	}
	err = t.exec(`INSERT INTO scorecards (code, version, published_at, published_by, body) VALUES ($1, $2, $3, $4, $5)`,
		v.Card.Code, v.Card.Version, ts(v.PublishedAt), v.PublishedBy, body)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "评分模型 %s 版本 %d 已存在 / scorecard %s version %d exists", v.Card.Code, v.Card.Version, v.Card.Code, v.Card.Version)
	}
	return err
}

func (t *tx) PutScores(scores []*credit.Score) error {
	if len(scores) == 0 {
		return nil
	}
	n := len(scores)
	ids, cards, grades, capped := make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
	versions, totals := make([]int32, n), make([]int32, n)
	ats := make([]time.Time, n)
	for i, s := range scores {
		ids[i], cards[i], grades[i], capped[i] = s.SubjectID, s.Card, s.Grade, s.GradeCapped
		versions[i], totals[i] = int32(s.Version), int32(s.Total) // #nosec G115 -- versions and scores are small
		ats[i] = time.Unix(s.At.Unix(), 0).UTC()
	}
	// One statement for the whole chunk: the arrays travel as parameters.
	err := t.exec(`INSERT INTO scores (`+scoreCols+`)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[])
		ON CONFLICT (subject_id, card) DO UPDATE SET version = excluded.version, total = excluded.total, grade = excluded.grade,
		capped_by = excluded.capped_by, computed_at = excluded.computed_at`, ids, cards, versions, totals, grades, capped, ats)
	if err != nil {
		return err
	}
	return t.write("score_history", []string{"subject_id", "card", "version", "total", "grade", "computed_at"}, n,
		func(i int, a []any) []any {
			s := scores[i]
			return append(a, s.SubjectID, s.Card, s.Version, s.Total, s.Grade, ats[i])
		})
}

func (t *tx) InsertConsent(c *credit.Consent) error {
	return t.tx.QueryRow(t.ctx, `INSERT INTO consents (subject_id, partner, scope, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.SubjectID, c.Partner, string(c.Scope), storable(c.Purpose), ts(c.CreatedAt), ts(c.ExpiresAt)).Scan(&c.ID)
}

func (t *tx) RevokeConsent(subjectID, id int64, at time.Time) error {
	c, err := t.Consent(t.ctx, id)
	if err != nil || c.SubjectID != subjectID {
		return credit.Errorf(credit.ENOTFOUND, "未找到授权 / consent not found")
	}
	if !c.RevokedAt.IsZero() {
		return credit.Errorf(credit.ECONFLICT, "授权已撤销 / consent already revoked")
	}
	return t.exec(`UPDATE consents SET revoked_at = $1 WHERE id = $2`, ts(at), id)
}

func (t *tx) AppendConsentUse(u *credit.ConsentUse) error {
	return t.exec(`INSERT INTO consent_uses (subject_id, consent_id, partner, actor, what, result, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.SubjectID, u.ConsentID, u.Partner, u.Actor, u.What, u.Result, ts(u.At))
}

func (r reader) MaxRecordID(ctx context.Context) (int64, error) {
	var id *int64
	if err := r.q.QueryRow(ctx, `SELECT max(id) FROM records`).Scan(&id); err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}

func (r reader) BatchSubjects(ctx context.Context, batchID, fromRecord int64) ([]int64, error) {
	rows, err := r.q.Query(ctx, `SELECT DISTINCT subject_id FROM records WHERE id > $1 AND batch_id = $2 ORDER BY subject_id`,
		fromRecord, batchID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

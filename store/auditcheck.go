package store

import (
	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/credit"
)

// The checks every store applies in AppendAudit, so nothing is stored that would later fail
// audit.Verify and both stores refuse the same entries the same way.

// CheckAuditChained refuses an entry that would not verify once stored: invalid, not chained with
// audit.Chain (time finer than microseconds, hash not matching).
func CheckAuditChained(e *audit.Entry) error {
	if err := e.Check(); err != nil {
		return err
	}
	if e.At.Nanosecond()%1000 != 0 || e.Hash != e.Compute(e.Prev) {
		return credit.Errorf(credit.EINVALID, "审计条目未用 audit.Chain 链接 / audit entry %d was not chained with audit.Chain", e.Seq)
	}
	return nil
}

// CheckAuditNext makes sure e follows the head (seq, hash).
func CheckAuditNext(e *audit.Entry, seq int64, hash string) error {
	if e.Seq != seq+1 {
		return AuditConflict(e.Seq, seq)
	}
	if e.Prev != hash {
		return credit.Errorf(credit.ECONFLICT, "审计条目 %d 的前序哈希与第 %d 条不符 / audit entry %d does not follow the hash of entry %d",
			e.Seq, seq, e.Seq, seq)
	}
	return nil
}

// AuditConflict is the error for an entry whose seq is not the next one.
func AuditConflict(got, head int64) error {
	return credit.Errorf(credit.ECONFLICT, "审计条目序号 %d 不是 %d（已有其他条目写入） / audit entry seq %d is not %d (another entry was appended)",
		got, head+1, got, head+1)
}

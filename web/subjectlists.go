package web

import (
	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
)

// A subject's list memberships (名单) on the portal subject page (published entries of public
// lists), the subject's own page (every list, with removal conditions) and the government
// view (every entry, ended ones too), drawn by one partial (templates/partial_lists.html),
// and the lists an approved repair would also end on the repair form and case.

// listsPanelData is what the list_memberships partial draws.
type listsPanelData struct {
	L       lang
	Mode    string // "public", "own" or "gov"
	Entries []app.SubjectListEntry
}

// listsPanel prepares the partial's data (a template function: templates cannot build
// structs).
func listsPanel(l lang, es []app.SubjectListEntry, mode string) listsPanelData {
	return listsPanelData{L: l, Mode: mode, Entries: es}
}

// removesData is what the repair_removes partial draws.
type removesData struct {
	L           lang
	RemovesFrom []credit.ListRef
}

// removesPanel prepares the repair_removes partial's data (a template function).
func removesPanel(l lang, refs []credit.ListRef) removesData {
	return removesData{L: l, RemovesFrom: refs}
}

// subjectListJSON is one list entry of a subject in the API.
type subjectListJSON struct {
	EntryID    int64              `json:"entry_id"`
	List       string             `json:"list"`
	NameZH     string             `json:"name_zh"`
	NameEN     string             `json:"name_en,omitempty"`
	Polarity   credit.Direction   `json:"polarity"`
	Basis      string             `json:"basis"`
	BatchNo    int                `json:"batch_no,omitempty"`
	Batch      string             `json:"batch,omitempty"`
	ValidFrom  string             `json:"valid_from"`
	ValidUntil string             `json:"valid_until,omitempty"`
	Reason     string             `json:"reason"`
	Document   string             `json:"document,omitempty"`
	Status     credit.EntryStatus `json:"status,omitempty"`
	EndReason  string             `json:"end_reason,omitempty"`
}

// listsJSON turns a subject's list entries into the API's form; status and end reason only
// for the government view.
func listsJSON(es []app.SubjectListEntry, gov bool) []subjectListJSON {
	out := []subjectListJSON{}
	for _, x := range es {
		j := subjectListJSON{EntryID: x.Entry.ID, List: x.Type.Code, NameZH: x.Type.NameZH, NameEN: x.Type.NameEN, Polarity: x.Type.Direction,
			Basis: x.Type.Basis, BatchNo: x.Entry.BatchNo, Batch: x.Batch, ValidFrom: day(x.Entry.ValidFrom), ValidUntil: day(x.Entry.ValidUntil),
			Reason: x.Entry.Reason, Document: x.Entry.Document}
		if gov {
			j.Status, j.EndReason = x.Entry.Status, x.Entry.EndReason
		}
		out = append(out, j)
	}
	return out
}

// subjectListsMessages are the partial's texts, merged into messages.
var subjectListsMessages = map[string][2]string{
	"slists.title":        {"名单信息", "Credit lists"},
	"slists.intro.public": {"该主体现列入的依法公开名单（红黑名单）。自然人仅在名单规则允许时显示。", "Public lists (red and black lists) the subject is on now. Natural persons appear only where the list's rule allows."},
	"slists.intro.own":    {"您现列入的全部名单（含不公开的名单），及各名单的移出条件。经信用修复的，可按名单规则提前移出。", "Every list you are on now, non-public lists included, with each list's removal conditions. Where the list's rules allow, an approved credit repair removes you early."},
	"slists.intro.gov":    {"该主体的全部名单条目，含已移出和已到期的。", "All of the subject's list entries, removed and expired ones included."},
	"slists.none":         {"未列入名单。", "On no list."},
	"slists.list":         {"名单", "List"},
	"slists.batch":        {"发布批次", "Batch"},
	"slists.since":        {"列入日期", "Since"},
	"slists.until":        {"有效期至", "Valid until"},
	"slists.reason":       {"列入理由", "Reason"},
	"slists.document":     {"认定文书号", "Decision no."},
	"slists.basis":        {"认定依据", "Legal basis"},
	"slists.removal":      {"移出条件", "Removal conditions"},
	"slists.status":       {"状态", "Status"},
	"slists.ended":        {"移出原因", "Ended because"},
	"slists.repairs":      {"可经信用修复移出", "A credit repair removes it"},
	"slists.batchno":      {"第 %d 批", "batch %d"},
	"slists.st.proposed":  {"拟列入", "proposed"},
	"slists.st.confirmed": {"已确认", "confirmed"},
	"slists.st.published": {"生效", "in force"},
	"slists.st.removed":   {"已移出", "removed"},
	"slists.st.expired":   {"已到期", "expired"},
	"slists.removes":      {"准予修复后，据此记录列入的以下名单条目将同时移出：", "Approving the repair also removes the subject from these lists, which this record justifies: "},
}

func init() {
	templateFuncs["listsPanel"] = listsPanel
	templateFuncs["removesPanel"] = removesPanel
	addMessages(subjectListsMessages)
}

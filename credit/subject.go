package credit

import "time"

// SubjectKind is the kind of a credit subject (信用主体), derived from positions 1–2 of its
// unified social credit code, or KindPerson for a natural person.
type SubjectKind string

// Subject kinds. The comment after each gives the GB 32100 positions 1–2 it comes from.
const (
	KindEnterprise           SubjectKind = "enterprise"             // 企业 (91)
	KindIndividualBusiness   SubjectKind = "individual_business"    // 个体工商户 (92)
	KindFarmerCoop           SubjectKind = "farmer_coop"            // 农民专业合作社 (93)
	KindGovernment           SubjectKind = "government"             // 机关 (11)
	KindPublicInstitution    SubjectKind = "public_institution"     // 事业单位 (12, A1)
	KindSocialGroup          SubjectKind = "social_group"           // 社会团体 (51, 13)
	KindPrivateNonEnterprise SubjectKind = "private_non_enterprise" // 民办非企业单位 (52)
	KindFoundation           SubjectKind = "foundation"             // 基金会 (53)
	KindOtherOrg             SubjectKind = "other_org"              // 其他组织 (everything else)
	KindPerson               SubjectKind = "person"                 // 自然人
)

// SubjectClass is one of the three subject libraries (三库).
type SubjectClass string

// The three subject libraries.
const (
	ClassLegal  SubjectClass = "legal"  // 法人库
	ClassPerson SubjectClass = "person" // 自然人库
	ClassOther  SubjectClass = "other"  // 其他组织库
)

// Class returns the library a kind belongs to.
func (k SubjectKind) Class() SubjectClass {
	switch k {
	case KindPerson:
		return ClassPerson
	case KindIndividualBusiness, KindOtherOrg:
		return ClassOther
	}
	return ClassLegal
}

// SubjectStatus is the registration status of a subject.
type SubjectStatus string

// Subject statuses.
const (
	StatusActive       SubjectStatus = "active"       // 存续
	StatusDeregistered SubjectStatus = "deregistered" // 注销
	StatusRevoked      SubjectStatus = "revoked"      // 吊销
	StatusMovedOut     SubjectStatus = "moved_out"    // 迁出
)

// StatusFromRegistry maps a registration status as departments write it to a SubjectStatus.
func StatusFromRegistry(s string) SubjectStatus {
	switch s {
	case "注销":
		return StatusDeregistered
	case "吊销", "吊销未注销":
		return StatusRevoked
	case "迁出":
		return StatusMovedOut
	}
	return StatusActive
}

// Subject is a credit subject: a legal person, other organisation or natural person.
//
// Key is its unique look-up key: the canonical unified social credit code for an organisation,
// or, for a natural person, PersonKeyPrefix + the keyed hash of the resident ID (the ID itself
// is personal information and is only stored encrypted, in IDCipher).
type Subject struct {
	ID          int64         `json:"-"`
	Key         string        `json:"-"`
	Code        string        `json:"code,omitempty"` // canonical USCC; empty for a person
	Kind        SubjectKind   `json:"kind"`
	Name        string        `json:"name"` // for a person: the masked name unless decrypted for an authorised reader
	NameNorm    string        `json:"-"`
	Region      string        `json:"region,omitempty"` // 6-digit division code
	LegalRepID  int64         `json:"-"`
	LegalRep    string        `json:"legal_representative,omitempty"` // name of the legal representative (法定代表人)
	FormerNames []string      `json:"former_names,omitempty"`
	LegacyCodes []string      `json:"legacy_codes,omitempty"` // 15-digit registration numbers, 9-char organisation codes
	Status      SubjectStatus `json:"status"`
	// Personal information of a natural person, sealed with the platform key.
	IDCipher   []byte    `json:"-"`
	NameCipher []byte    `json:"-"`
	IDMasked   string    `json:"id_masked,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PersonKeyPrefix starts the Key of every natural person.
const PersonKeyPrefix = "P:"

// IsPerson reports whether s is a natural person.
func (s *Subject) IsPerson() bool { return s.Kind == KindPerson }

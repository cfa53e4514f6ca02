// Package credit holds Xinyong's domain: codes, subjects, the catalog (数据归集清单), records and
// the pure rules over them. Nothing here does I/O or reads the clock: callers pass `now` in.
package credit

import (
	"errors"
	"fmt"
)

// Error codes. Exactly one place (web) maps them to HTTP statuses and Chinese messages.
const (
	ECONFLICT  = "conflict"  // the action conflicts with stored state
	EINTERNAL  = "internal"  // a fault of ours; details are logged, not shown
	EINVALID   = "invalid"   // bad input; Message says which row, field and rule
	ENOTFOUND  = "not_found" // no such thing
	EFORBIDDEN = "forbidden" // not allowed for this caller
	EUNAUTH    = "unauthorized"
	ETOOLARGE  = "too_large"
)

// Error is an application error with a machine code and a human message (Chinese first).
type Error struct {
	Code    string
	Message string
	// Row, Field and Rule locate a validation error (Row is 1-based, 0 when not row-bound).
	Row   int
	Field string
	Rule  string
}

func (e *Error) Error() string {
	switch {
	case e.Row > 0:
		return fmt.Sprintf("%s (row %d, field %q, rule %s)", e.Message, e.Row, e.Field, e.Rule)
	case e.Field != "":
		return fmt.Sprintf("%s (field %q, rule %s)", e.Message, e.Field, e.Rule)
	}
	return e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return "内部错误 internal error"
}

// FieldError is one validation failure of an input row: which field, which rule, what was wrong.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message + " (" + e.Rule + ")" }

// Validation rule names, shared by every validator so reports and tests speak one language.
const (
	RuleRequired   = "required"
	RuleMaxLength  = "max_length"
	RuleType       = "type"
	RuleEnum       = "enum"
	RuleCode       = "code"
	RuleDate       = "date"
	RuleUnknown    = "unknown_field"
	RuleKind       = "subject_kind"
	RuleDepartment = "department"
	RuleItem       = "item"
	RuleEncoding   = "encoding"
	RuleFormat     = "format"
)

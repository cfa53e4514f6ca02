package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/xinyong/xinyong/credit"
)

// maxJSONBody is the largest JSON request body read (the catalog upload has its own limit).
const maxJSONBody = 1 << 20

// writeJSON is the one place API responses are encoded.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status is out; a failed write means the client went away
}

// writeCompactJSON is writeJSON without indentation, for the answers machines ask for
// thousands of times a second (window checks): no indentation to encode and send.
func writeCompactJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // as in writeJSON
}

// readJSON is the one place API request bodies are decoded: at most maxJSONBody bytes, one JSON
// value, no unknown keys. Errors are EINVALID (or ETOOLARGE) with a Chinese message.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return credit.Errorf(credit.EINVALID, "请求体须为 JSON（Content-Type: application/json）/ the request body must be JSON")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return credit.Errorf(credit.EINVALID, "请求体在 JSON 值之后还有内容 / the request body has data after its JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var tooBig *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return credit.Errorf(credit.ETOOLARGE, "请求体超过 %d KB / the request body is larger than %d KB", tooBig.Limit>>10, tooBig.Limit>>10)
	case errors.As(err, &syn):
		return credit.Errorf(credit.EINVALID, "请求体不是有效的 JSON（第 %d 字节附近）/ the request body is not valid JSON (near byte %d)", syn.Offset, syn.Offset)
	case errors.As(err, &typ):
		return &credit.Error{Code: credit.EINVALID, Field: typ.Field, Rule: credit.RuleType,
			Message: "字段 " + typ.Field + " 的类型应为 " + typ.Type.String() + " / field " + typ.Field + " must be " + typ.Type.String()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return credit.Errorf(credit.EINVALID, "请求体为空或不完整 / the request body is empty or truncated")
	}
	// Unknown fields and the like: the decoder's text names the key.
	return credit.Errorf(credit.EINVALID, "请求体无法读取 / the request body cannot be read: %v", err)
}

// apiError answers an API request with the error's status and {"error": {...}}; internal
// errors are logged with their real text.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := describeError(err)
	s.logError(r, status, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="xinyong"`)
	}
	writeJSON(w, status, map[string]errorBody{"error": body})
}

func (s *Server) logError(r *http.Request, status int, err error) {
	if status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("method", r.Method),
			slog.String("route", logPath(r)), slog.String("err", err.Error()))
	}
}

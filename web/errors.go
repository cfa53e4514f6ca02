package web

import (
	"errors"
	"net/http"

	"github.com/xinyong/xinyong/credit"
)

// errorKind is how one error code is answered over HTTP.
type errorKind struct {
	status int
	// generic is the message shown when the error carries none of its own (or when its own
	// must not be shown: internal errors).
	generic string
}

// errorKinds is the one place that turns an error code into an HTTP status and a Chinese
// message (STYLE: "exactly one place"). Every EINVALID is 400 Bad Request, whether the body
// was not JSON or a file did not match its catalog item: the error code and its row, field and
// rule in the body say which; one status for "your input is wrong" keeps clients simple.
var errorKinds = map[string]errorKind{
	credit.EINVALID:   {http.StatusBadRequest, "请求无效 / invalid request"},
	credit.ENOTFOUND:  {http.StatusNotFound, "未找到 / not found"},
	credit.ECONFLICT:  {http.StatusConflict, "与现有数据冲突 / conflict with stored data"},
	credit.EFORBIDDEN: {http.StatusForbidden, "无权访问 / forbidden"},
	credit.EUNAUTH:    {http.StatusUnauthorized, "需要登录或提供访问令牌 / authentication required"},
	credit.ETOOLARGE:  {http.StatusRequestEntityTooLarge, "请求内容过大 / request too large"},
	eTooMany:          {http.StatusTooManyRequests, "请求过于频繁，请稍后再试 / too many requests, please try again later"},
	credit.EINTERNAL:  {http.StatusInternalServerError, "服务器内部错误，请稍后再试 / internal server error, please try again later"},
}

// errorBody is the JSON shape of every API error: {"error": {...}}.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule,omitempty"`
}

// describeError returns the HTTP status and the public description of err. Internal errors
// (anything that is not a *credit.Error with a known code) get the generic message only: the
// real error goes to the log, never to the user.
func describeError(err error) (int, errorBody) {
	var ce *credit.Error
	if !errors.As(err, &ce) {
		k := errorKinds[credit.EINTERNAL]
		return k.status, errorBody{Code: credit.EINTERNAL, Message: k.generic}
	}
	k, ok := errorKinds[ce.Code]
	if !ok || ce.Code == credit.EINTERNAL {
		k = errorKinds[credit.EINTERNAL]
		return k.status, errorBody{Code: credit.EINTERNAL, Message: k.generic}
	}
	msg := ce.Message
	if msg == "" {
		msg = k.generic
	}
	return k.status, errorBody{Code: ce.Code, Message: msg, Row: ce.Row, Field: ce.Field, Rule: ce.Rule}
}

// Errors the web layer raises itself.
var (
	errNotFound  = credit.Errorf(credit.ENOTFOUND, "未找到该页面或资源 / no such page or resource")
	errUploadRun = credit.Errorf(credit.ECONFLICT, "同一文件正在导入中，请稍后查看该批次 / the same file is being imported; check its batch later")
)

func invalidParam(name, zh, en string) error {
	return &credit.Error{Code: credit.EINVALID, Field: name, Rule: credit.RuleType, Message: zh + " / " + en}
}

package exchange

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Webhooks posts signed notifications to subscribers. It implements app.WebhookPoster.
//
// SSRF care: the URL was checked when the subscription was made (credit.CheckWebhookURL), and
// the address a name resolves to is checked again when connecting, so a name that later points
// inside the network is refused too. Redirects are not followed.
type Webhooks struct {
	client *http.Client
}

// NewWebhooks returns a poster with a per-request timeout; allowPrivate lets it reach loopback
// and private addresses (an operator setting, for tests and closed networks).
func NewWebhooks(timeout time.Duration, allowPrivate bool) *Webhooks {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook address %s: %w", address, err)
			}
			if credit.InternalAddr(ap.Addr()) {
				return fmt.Errorf("webhook address %s is internal: refused", ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute, ForceAttemptHTTP2: true}
	return &Webhooks{client: &http.Client{Transport: tr, Timeout: 2 * timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Post sends body to url with the given headers and returns the receiver's HTTP status. Any
// status is returned as it is (the caller decides what counts as delivered); err is a failure
// to get an answer at all.
func (w *Webhooks) Post(ctx context.Context, url string, header http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Xinyong-Webhook/1")
	resp, err := w.client.Do(req) // #nosec G704 -- the URL was checked at subscription time and the dialer refuses internal addresses
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			return 0, ue.Unwrap()
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

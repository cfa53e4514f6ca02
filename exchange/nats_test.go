package exchange

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestPermanent(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nats.ErrNoServers, false},
		{nats.ErrConnectionClosed, false},
		{nats.ErrTimeout, false},
		{nats.ErrNoResponders, false},
		{fmt.Errorf("publish: %w", &jetstream.APIError{Code: 400, ErrorCode: 10054, Description: "maximum messages exceeded"}), true},
		{nats.ErrMaxPayload, true},
		{fmt.Errorf("%w %q", errBadTopic, "a b"), true},
		{errors.New("other"), false},
	} {
		if got := Permanent(tc.err); got != tc.want {
			t.Errorf("Permanent(%v) = %v", tc.err, got)
		}
	}
}

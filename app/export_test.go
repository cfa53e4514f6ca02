package app

import "time"

// SetTokenClock sets the clock of a's API token cache (tests of the cache's lifetime).
func SetTokenClock(a *App, clock func() time.Time) { a.tokens.clock = clock }

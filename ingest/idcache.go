package ingest

import "sync"

// IDCache remembers subject keys already resolved to ids, across imports in one process. A
// subject's id never changes and subjects are never deleted, so an entry cannot go stale; a
// miss just asks the store. When full it starts afresh, which bounds its memory.
type IDCache struct {
	mu  sync.RWMutex
	m   map[string]int64
	max int
}

// NewIDCache returns a cache of at most max entries (about 100 bytes each).
func NewIDCache(max int) *IDCache {
	return &IDCache{m: make(map[string]int64), max: max}
}

func (c *IDCache) get(k string) (int64, bool) {
	c.mu.RLock()
	id, ok := c.m[k]
	c.mu.RUnlock()
	return id, ok
}

// add stores committed ids.
func (c *IDCache) add(ids map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m)+len(ids) > c.max {
		c.m = make(map[string]int64, len(ids))
	}
	for k, id := range ids {
		if id > 0 {
			c.m[k] = id
		}
	}
}

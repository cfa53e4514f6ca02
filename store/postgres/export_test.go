package postgres

// SetSearchThresholds lowers name search's thresholds so a small test table exercises every
// path (index look-up, look-up giving up, walk of the first rows, whole walk); it returns a
// function that restores them.
func SetSearchThresholds(rare, pre int) (restore func()) {
	oldRare, oldPre := rareMax, prewalk
	rareMax, prewalk = rare, pre
	return func() { rareMax, prewalk = oldRare, oldPre }
}

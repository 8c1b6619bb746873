package data

// SetMetricsSnapshots moves this test binary's metrics snapshots to dir (""
// keeps none), for histories of at least min facts, kept again once lag
// events behind, until restore: tests and benchmarks measure reading the
// database and reading a snapshot apart.
func SetMetricsSnapshots(dir string, min, lag int) (restore func()) {
	oldDir, oldMin, oldLag := snapshotDir, snapshotMin, snapshotLag
	snapshotDir, snapshotMin, snapshotLag = func() string { return dir }, min, int64(lag)
	return func() { snapshotDir, snapshotMin, snapshotLag = oldDir, oldMin, oldLag }
}

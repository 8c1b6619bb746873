package data

// SetMetricsSnapshots moves this test binary's metrics snapshots to dir (""
// keeps none) for histories of at least min facts, until restore: the
// benchmarks measure reading the database and reading a snapshot apart.
func SetMetricsSnapshots(dir string, min int) (restore func()) {
	oldDir, oldMin := snapshotDir, snapshotMin
	snapshotDir, snapshotMin = func() string { return dir }, min
	return func() { snapshotDir, snapshotMin = oldDir, oldMin }
}

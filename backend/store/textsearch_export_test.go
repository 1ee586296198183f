package store

// SetTextSearchLimits makes free-text search's windows and thresholds small enough for a test
// fixture to cross them (see textFindings), and returns the function that restores them.
func SetTextSearchLimits(window, assets, collect, labelAssets int) (restore func()) {
	w, a, c, l := textWindow, textAssets, textCollect, fewAssets
	textWindow, textAssets, textCollect, fewAssets = window, assets, collect, labelAssets
	return func() { textWindow, textAssets, textCollect, fewAssets = w, a, c, l }
}

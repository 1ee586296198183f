package vulns

// RecordOf is recordOf for BenchmarkVulnerabilities, which stores changed advisories as a
// refresh stores them, without the archive, to time the re-matching alone.
var RecordOf = recordOf

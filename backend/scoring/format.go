package scoring

import (
	"math"
	"strconv"
)

// Round1 rounds a number to the one decimal every view shows (half away from zero), so that
// the UI, the API, the CLI and alerts print the same digits for the same run.
func Round1(v float64) float64 { return math.Round(v*10) / 10 }

// Round1Ptr is Round1 of a number that may be absent.
func Round1Ptr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := Round1(*v)
	return &r
}

// FormatCompliance prints a compliance as every view does, or "n/a" when there is none.
func FormatCompliance(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return FormatNumber(*v)
}

// FormatNumber prints a risk, or any number, rounded with Round1.
func FormatNumber(v float64) string { return strconv.FormatFloat(Round1(v), 'f', 1, 64) }

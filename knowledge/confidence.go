package knowledge

import "math"

// Calibration of Hit.Confidence: a logistic model over three figures every search
// produces — how much of the query's IDF weight the article covers, its score as
// a share of the query's maximum attainable score, and its margin over the
// runner-up. The coefficients were fitted (TestCalibrate in calibrate_test.go) on
// the training/validation parts of the public evaluation sets, never on the
// held-out parts the evaluation reports; so Confidence approximates the
// probability that the article answers the query.
const (
	calBias    = -1.462
	calCovered = 2.464
	calNorm    = -1.415
	calMargin  = 22.636
)

// Thresholds are the confidence levels the bot decides by: at or above Answer it
// answers from the top article; at or above Clarify it offers the closest
// articles; below it, it says it does not know and offers a person.
type Thresholds struct {
	Answer  float64
	Clarify float64
}

// Default thresholds, chosen by TestCalibrate on CLINC150's validation split:
// AnswerThreshold is the lowest that still refuses 90% of out-of-scope
// questions (a wrong answer costs the utility more than a question passed to a
// person); below ClarifyThreshold most out-of-scope questions fall, so they get
// an honest "I don't know" rather than a list of unrelated articles.
const (
	AnswerThreshold  = 0.70
	ClarifyThreshold = 0.35
)

// DefaultThresholds returns AnswerThreshold and ClarifyThreshold as a Thresholds.
func DefaultThresholds() Thresholds {
	return Thresholds{Answer: AnswerThreshold, Clarify: ClarifyThreshold}
}

func confidence(s scored) float64 {
	z := calBias + calCovered*s.covered + calNorm*s.norm + calMargin*s.margin
	return 1 / (1 + math.Exp(-z))
}

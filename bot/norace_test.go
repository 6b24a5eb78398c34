//go:build !race

package bot_test

// raceOn is false without the race detector: the decision eval asks every question.
const raceOn = false

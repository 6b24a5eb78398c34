//go:build race

package bot_test

// raceOn is true under the race detector, which makes the decision eval about
// ten times slower: it then asks an even sample of each public set.
const raceOn = true

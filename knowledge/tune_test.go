package knowledge

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// validationSets are the parts of the public datasets that ranking parameters,
// the confidence calibration and the thresholds are chosen on; TestEval reports
// on other parts (valid.json, test.csv, test/oos_test). StackFAQ has no such
// part, so it is never tuned on: it shows how the choices carry to a new domain.
func validationSets(t testing.TB) []evalSet {
	dir := datasetsDir(t)
	return []evalSet{
		loadTelecom(t, dir, 5),
		loadBanking77(t, dir, 10),
		loadCLINC150(t, dir, true),
	}
}

// TestTuneUnigramPassages compares scoring passages with and without single
// Chinese characters on the validation sets (GRIDLINE_TUNE=1).
func TestTuneUnigramPassages(t *testing.T) {
	if os.Getenv("GRIDLINE_TUNE") == "" {
		t.Skip("set GRIDLINE_TUNE=1 to compare")
	}
	for _, s := range validationSets(t) {
		for _, on := range []bool{false, true} {
			p := defaultRankParams()
			p.passageUnigrams = on
			ix := newIndex(p)
			for _, a := range s.kb {
				ix.Put(a)
			}
			m := evaluate(ours{ix: ix, lang: s.lang}, s, 2)
			t.Logf("%s unigram passages=%v: hit@1 %.4f MRR %.4f", s.name, on, m.hit1, m.mrr)
		}
	}
}

// TestTuneWeights searches the query-term weights of single Chinese characters
// and English word pairs on the validation sets (GRIDLINE_TUNE=1).
func TestTuneWeights(t *testing.T) {
	if os.Getenv("GRIDLINE_TUNE") == "" {
		t.Skip("set GRIDLINE_TUNE=1 to search term weights")
	}
	sets := validationSets(t)
	for _, uw := range []float64{0.2, 0.3, 0.5, 0.7} {
		for _, pw := range []float64{0.3, 0.5, 0.8, 1} {
			p := defaultRankParams()
			p.unigramWeight, p.phraseWeight = uw, pw
			var line string
			var avg float64
			for _, s := range sets {
				ix := newIndex(p)
				for _, a := range s.kb {
					ix.Put(a)
				}
				m := evaluate(ours{ix: ix, lang: s.lang}, s, 2)
				line += fmt.Sprintf(" %s %.4f", s.name, m.mrr)
				avg += m.mrr / float64(len(sets))
			}
			t.Logf("unigram=%.1f phrase=%.1f MRR avg %.4f:%s", uw, pw, avg, line)
		}
	}
}

// TestTune searches ranking parameters on the validation sets. It is a tool, not
// a check: run it with GRIDLINE_TUNE=1 go test -run Tune -v ./knowledge/.
func TestTune(t *testing.T) {
	if os.Getenv("GRIDLINE_TUNE") == "" {
		t.Skip("set GRIDLINE_TUNE=1 to search ranking parameters")
	}
	sets := validationSets(t)
	type result struct {
		p   rankParams
		mrr []float64
		avg float64
	}
	var results []result
	for _, k1 := range []float64{0.9, 1.2, 1.6, 2.0} {
		for _, bb := range []float64{0.4, 0.75} {
			for _, pw := range []float64{0, 0.5, 1, 2} {
				for _, pb := range []float64{0.3, 0.7} {
					for _, tb := range []float64{2, 4} {
						p := defaultRankParams()
						p.k1, p.b[fieldBody], p.passageWeight, p.passageB, p.boost[fieldTitle] = k1, bb, pw, pb, tb
						r := result{p: p}
						for _, s := range sets {
							ix := newIndex(p)
							for _, a := range s.kb {
								ix.Put(a)
							}
							m := evaluate(ours{ix: ix, lang: s.lang}, s, 2)
							r.mrr = append(r.mrr, m.mrr)
							r.avg += m.mrr / float64(len(sets))
						}
						results = append(results, r)
					}
				}
			}
		}
	}
	slices.SortFunc(results, func(a, b result) int {
		if a.avg > b.avg {
			return -1
		}
		return 1
	})
	for _, r := range results[:min(15, len(results))] {
		t.Log(fmt.Sprintf("k1=%.1f bodyB=%.2f passW=%.1f passB=%.1f title=%.0f  MRR %.4f %v",
			r.p.k1, r.p.b[fieldBody], r.p.passageWeight, r.p.passageB, r.p.boost[fieldTitle], r.avg, r.mrr))
	}
}

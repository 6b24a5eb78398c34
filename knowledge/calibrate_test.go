package knowledge

import (
	"encoding/json"
	"path/filepath"

	"fmt"
	"github.com/gridline/gridline"
	"math"
	"os"
	"slices"
	"testing"
)

// sample of one search for calibration: the top hit's figures and whether the
// top hit was right (never, for an out-of-scope query) and whether the right
// article was among the first five.
type calSample struct {
	s          scored
	right, in5 bool
	weight     float64
	set        string
	oos        bool
}

// calibrationSets are the data the confidence is fitted on, shaped like this
// job: Chinese hotline questions (telecom-hotline-zh's train.json, every fifth
// paraphrase held back as a query), the starter base asked its own customer
// questions (starter/testdata/questions.json, not the held-out ones), and
// CLINC150's val and oos_val, the only part with out-of-scope questions.
func calibrationSets(t testing.TB) []evalSet {
	dir := datasetsDir(t)
	return []evalSet{loadTelecom(t, dir, 5), starterSet(t), loadCLINC150(t, dir, true)}
}

// starterSet reads the starter articles, synonyms and customer questions from
// their files (package starter imports this one, so it cannot be imported here).
func starterSet(t testing.TB) evalSet {
	var as []*gridline.Article
	readJSON(t, filepath.Join("starter", "articles.json"), &as)
	var syn Synonyms
	readJSON(t, filepath.Join("starter", "synonyms.json"), &syn)
	var qs struct {
		Questions []struct{ Topic, Lang, Text string }
	}
	readJSON(t, filepath.Join("starter", "testdata", "questions.json"), &qs)
	s := evalSet{name: "starter", syn: &syn}
	ids := map[string]int64{}
	for i, a := range as {
		a.ID, a.Status, a.Version = int64(i+1), gridline.ArticlePublished, 1
		ids[a.Slug] = a.ID
		s.kb = append(s.kb, a)
	}
	for _, q := range qs.Questions {
		s.queries = append(s.queries, evalQuery{text: q.Text, gold: ids[q.Topic+"-"+q.Lang], lang: q.Lang})
	}
	return s
}

func readJSON(t testing.TB, path string, v any) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func calibrationSamples(t testing.TB) []calSample {
	var out []calSample
	for _, s := range calibrationSets(t) {
		ix := newIndex(defaultRankParams())
		if s.syn != nil {
			ix.SetSynonyms(*s.syn)
		}
		for _, a := range s.kb {
			ix.Put(a)
		}
		// Every set weighs the same in total; out-of-scope queries half of CLINC's.
		inW := 1 / float64(len(s.queries))
		if len(s.oos) > 0 {
			inW *= 0.5
		}
		for _, q := range s.queries {
			lang := s.lang
			if q.lang != "" {
				lang = q.lang
			}
			top := ix.search(q.text, SearchOptions{Lang: lang, Limit: 5})
			c := calSample{weight: inW, set: s.name}
			if len(top) > 0 {
				c.s = top[0]
				c.right = ix.slots[top[0].slot].article.ID == q.gold
				c.in5 = slices.ContainsFunc(top, func(x scored) bool { return ix.slots[x.slot].article.ID == q.gold })
			}
			out = append(out, c)
		}
		for _, q := range s.oos {
			c := calSample{weight: 0.5 / float64(len(s.oos)), set: s.name, oos: true}
			if top := ix.search(q.text, SearchOptions{Lang: s.lang, Limit: 5}); len(top) > 0 {
				c.s = top[0]
			}
			out = append(out, c)
		}
	}
	return out
}

// TestCalibrate fits the logistic calibration of Hit.Confidence on the validation
// sets and derives the thresholds from it. It is a tool: run it with
// GRIDLINE_TUNE=1 go test -run Calibrate -v ./knowledge/ and copy the printed
// constants into confidence.go.
func TestCalibrate(t *testing.T) {
	if os.Getenv("GRIDLINE_TUNE") == "" {
		t.Skip("set GRIDLINE_TUNE=1 to fit the confidence calibration")
	}
	samples := calibrationSamples(t)
	feats := func(c calSample) [nFeat]float64 {
		return [nFeat]float64{1, c.s.covered, c.s.norm, c.s.margin}
	}
	// Weighted logistic regression by Newton's method.
	var w [nFeat]float64
	for iter := 0; iter < 50; iter++ {
		var g [nFeat]float64
		var h [nFeat][nFeat]float64
		for _, c := range samples {
			x := feats(c)
			z := 0.0
			for i := range x {
				z += w[i] * x[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if c.right {
				y = 1
			}
			for i := range x {
				g[i] += c.weight * (y - p) * x[i]
				for j := range x {
					h[i][j] += c.weight * p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := range h {
			h[i][i] += 1e-6 // keeps the system solvable
		}
		step := solve(h, g)
		for i := range w {
			w[i] += step[i]
		}
	}
	t.Logf("calBias = %.3f, calCovered = %.3f, calNorm = %.3f, calMargin = %.3f", w[0], w[1], w[2], w[3])
	conf := func(c calSample) float64 {
		if c.s.score == 0 {
			return 0
		}
		x := feats(c)
		z := 0.0
		for i := range x {
			z += w[i] * x[i]
		}
		return 1 / (1 + math.Exp(-z))
	}
	// On CLINC150's validation split (val and oos_val), the only part with
	// out-of-scope questions: Answer is the lowest threshold (the most in-scope
	// questions answered) that still refuses at least 90% of out-of-scope ones;
	// Clarify is the
	// lowest threshold below which most out-of-scope questions fall, so that they
	// get an honest "I don't know" rather than a list of unrelated articles.
	var clinc []calSample
	for _, c := range samples {
		if c.set == "CLINC150" {
			clinc = append(clinc, c)
		}
	}
	answer, clarify := 0.0, 0.0
	for th := 0.95; th >= 0.049; th -= 0.05 {
		var in, ans, oos, ref, pool, right float64
		for _, c := range clinc {
			if c.oos {
				oos++
				if conf(c) < th {
					ref++
				}
			} else {
				in++
				if c.right && conf(c) >= th {
					ans++
				}
			}
		}
		for _, c := range samples {
			if conf(c) >= th {
				pool += c.weight
				if c.right {
					right += c.weight
				}
			}
		}
		mean := (ans/in + ref/oos) / 2
		per := ""
		for _, set := range []string{"telecom-hotline-zh", "starter"} {
			var n, r, w float64
			for _, c := range samples {
				if c.set != set {
					continue
				}
				n++
				if conf(c) >= th && c.right {
					r++
				} else if conf(c) >= th {
					w++
				}
			}
			per += fmt.Sprintf("; %s right %.3f wrong %.3f", set, r/n, w/n)
		}
		if ref/oos >= 0.9 {
			answer = th
		}
		if ref/oos >= 0.5 {
			clarify = th
		}
		t.Log(fmt.Sprintf("threshold %.2f: CLINC val in-scope answered right %.3f, oos refused %.3f (mean %.3f); all validation sets: answers right %.3f",
			th, ans/in, ref/oos, mean, right/max(pool, 1e-9)) + per)
	}
	t.Logf("AnswerThreshold = %.2f, ClarifyThreshold = %.2f", answer, clarify)
}

// nFeat is the number of calibration features, the bias included.
const nFeat = 4

// solve solves h·x = g by Gaussian elimination with partial pivoting.
func solve(h [nFeat][nFeat]float64, g [nFeat]float64) [nFeat]float64 {
	const n = nFeat
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(h[r][c]) > math.Abs(h[p][c]) {
				p = r
			}
		}
		h[c], h[p] = h[p], h[c]
		g[c], g[p] = g[p], g[c]
		for r := c + 1; r < n; r++ {
			f := h[r][c] / h[c][c]
			for k := c; k < n; k++ {
				h[r][k] -= f * h[c][k]
			}
			g[r] -= f * g[c]
		}
	}
	var x [n]float64
	for r := n - 1; r >= 0; r-- {
		x[r] = g[r]
		for k := r + 1; k < n; k++ {
			x[r] -= h[r][k] * x[k]
		}
		x[r] /= h[r][r]
	}
	return x
}

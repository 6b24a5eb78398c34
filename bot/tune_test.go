package bot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/knowledge/knowledgetest"
	"github.com/gridline/gridline/knowledge/starter"
)

// tuneSample is what the decision sees of one training question: the top
// hit's confidence, its coverage, the runner-up's score over the top's, and
// whether the top hit is the right article (never, out of scope).
type tuneSample struct {
	set                 string
	conf, cov, runnerUp float64
	right, oos          bool
}

// tuneSamples runs every question of the training parts only — telecom-hotline-zh's
// train.json (every fifth paraphrase held back as a query), the starter
// questions in knowledge/starter/testdata/questions.json, and CLINC150's val and
// oos_val — never the held-out parts the decision eval reports.
func tuneSamples(t *testing.T) []tuneSample {
	var out []tuneSample
	collect := func(name string, b *Bot, qs []knowledgetest.Query, slug map[int64]string, lang string, oos bool) {
		for _, q := range qs {
			hits := b.search(context.Background(), q.Text, lang)
			s := tuneSample{set: name, oos: oos}
			if len(hits) > 0 {
				s.conf, s.cov, s.runnerUp = hits[0].Confidence, b.coverage(q.Text, hits[0].Article), runnerUp(hits)
				s.right = !oos && hits[0].Article.Slug == slug[q.Gold]
			}
			out = append(out, s)
		}
	}
	dir := knowledgetest.Dir(t)
	for _, s := range []knowledgetest.Set{knowledgetest.Telecom(t, dir, 5), knowledgetest.CLINC150(t, dir, true)} {
		ix := knowledge.NewIndex()
		slug := map[int64]string{}
		for _, a := range s.KB {
			ix.Put(a)
			slug[a.ID] = a.Slug
		}
		b := New(Config{Knowledge: ix})
		collect(s.Name, b, s.Queries, slug, s.Lang, false)
		collect(s.Name, b, s.OOS, slug, s.Lang, true)
	}
	ix, err := starter.Index()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "knowledge", "starter", "testdata", "questions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Questions []struct{ Topic, Lang, Text string }
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	b := New(Config{Knowledge: ix})
	for _, q := range f.Questions {
		hits := b.search(context.Background(), q.Text, q.Lang)
		s := tuneSample{set: "starter"}
		if len(hits) > 0 {
			s.conf, s.cov, s.runnerUp = hits[0].Confidence, b.coverage(q.Text, hits[0].Article), runnerUp(hits)
			s.right = hits[0].Article.Slug == q.Topic+"-"+q.Lang
		}
		out = append(out, s)
	}
	return out
}

// TestTuneDecision searches the decision's thresholds on the training parts
// (GRIDLINE_TUNE=1 GRIDLINE_DATASETS=… go test -run TuneDecision -v ./bot/):
// for each rule, per set, the share answered right and wrong, and CLINC150
// oos_val refused.
func TestTuneDecision(t *testing.T) {
	if os.Getenv("GRIDLINE_TUNE") == "" {
		t.Skip("set GRIDLINE_TUNE=1 to search the decision's thresholds")
	}
	samples := tuneSamples(t)
	for _, cc := range []float64{0.5, 0.67} {
		for _, answerAt := range []float64{0.7, 0.75, 0.8} {
			for _, confirmAt := range []float64{0.3, 0.45, 0.6} {
				for _, lead := range []float64{0.6, 0.7, 0.8, 0.9} {
					r := decisionRule{answerAt: answerAt, clarifyAt: 0.30, confirmAt: confirmAt, lead: lead, confirmCoverage: cc}
					type tally struct{ n, right, wrong, oos, oosRefused float64 }
					sets := map[string]*tally{}
					for _, s := range samples {
						tl := sets[s.set]
						if tl == nil {
							tl = &tally{}
							sets[s.set] = tl
						}
						v := r.verdict(s.conf, s.cov, s.runnerUp)
						answered := v == verdictAnswer || v == verdictConfirm
						if s.oos {
							tl.oos++
							if !answered {
								tl.oosRefused++
							}
							continue
						}
						tl.n++
						if answered && s.right {
							tl.right++
						} else if answered {
							tl.wrong++
						}
					}
					line := ""
					for _, name := range []string{"telecom-hotline-zh", "starter", "CLINC150"} {
						tl := sets[name]
						line += " " + name + ": right " + pct(tl.right/tl.n) + " wrong " + pct(tl.wrong/tl.n)
						if tl.oos > 0 {
							line += " oos refused " + pct(tl.oosRefused/tl.oos)
						}
					}
					t.Logf("coverage %.2f answer %.2f confirm %.2f lead %.2f:%s", cc, answerAt, confirmAt, lead, line)
				}
			}
		}
	}
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

package knowledge

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// Synthetic but realistic knowledge bases for the benchmarks: half Chinese, half
// English, titles naming a topic and an action, bodies of several markdown
// paragraphs and a list, built from a utility's vocabulary with a fixed seed.
var (
	benchTopicsEN = strings.Fields(`bill payment meter outage tariff connection account refund
		deposit solar charger invoice reading arrears reconnection voltage transformer streetlight
		capacity contract debit prepaid balance token complaint appointment inspection`)
	benchActionsEN = strings.Fields(`pay check report apply cancel transfer change estimate
		dispute restore install upgrade read top-up renew register`)
	benchFillerEN = strings.Fields(`you can your the our within working days online app office
		customer service hotline please note that if after before when fee free charge month
		week hour daily household business residential commercial estimate actual usage`)
	benchTopicsZH = []string{"电费", "缴费", "电表", "停电", "电价", "报装", "户名", "退费", "押金",
		"光伏", "充电桩", "发票", "抄表", "欠费", "复电", "电压", "变压器", "路灯", "增容", "合同",
		"代扣", "预付费", "余额", "投诉", "预约", "检修"}
	benchActionsZH = []string{"查询", "办理", "申请", "取消", "变更", "过户", "缴纳", "恢复", "安装",
		"升级", "校验", "充值", "续签", "登记"}
	benchFillerZH = []string{"您可以", "通过", "营业厅", "网上", "工作日", "内", "客服", "热线",
		"请注意", "如果", "之后", "之前", "费用", "免费", "每月", "居民", "企业", "用电", "实际",
		"估算", "小时", "处理", "结果", "短信", "通知"}
)

func benchArticles(n int) []*gridline.Article {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
	as := make([]*gridline.Article, n)
	for i := range as {
		zh := i%2 == 0
		topics, actions, filler, sep, lang := benchTopicsEN, benchActionsEN, benchFillerEN, " ", gridline.LangEN
		if zh {
			topics, actions, filler, sep, lang = benchTopicsZH, benchActionsZH, benchFillerZH, "", gridline.LangZH
		}
		topic, action := pick(topics), pick(actions)
		sentence := func() string {
			ws := []string{pick(filler), topic, pick(filler), pick(actions), pick(filler), pick(topics)}
			for range r.IntN(8) {
				ws = append(ws, pick(filler))
			}
			end := "."
			if zh {
				end = "。"
			}
			return strings.Join(ws, sep) + end
		}
		var body strings.Builder
		fmt.Fprintf(&body, "## %s%s%s\n\n", action, sep, topic)
		for range 2 + r.IntN(3) {
			for range 2 + r.IntN(3) {
				body.WriteString(sentence() + sep)
			}
			body.WriteString("\n\n")
		}
		for range 3 {
			body.WriteString("- " + sentence() + "\n")
		}
		as[i] = &gridline.Article{ID: int64(i + 1), Slug: fmt.Sprintf("a-%d", i+1), Lang: lang,
			Title: action + sep + topic + sep + pick(topics), Body: body.String(),
			Tags: []string{topic, pick(topics)}, Status: gridline.ArticlePublished, Version: 1}
	}
	return as
}

// benchQueries are questions in the customers' style: a topic, an action and a
// filler word or two, in both languages.
func benchQueries(n int) []string {
	r := rand.New(rand.NewPCG(11, 0))
	pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
	qs := make([]string, n)
	for i := range qs {
		if i%2 == 0 {
			qs[i] = "我想" + pick(benchActionsZH) + pick(benchTopicsZH) + pick(benchFillerZH) + "怎么办"
		} else {
			qs[i] = "how do I " + pick(benchActionsEN) + " my " + pick(benchTopicsEN) + " " + pick(benchFillerEN)
		}
	}
	return qs
}

var benchSizes = []int{1000, 10000}

// BenchmarkSearch measures one query against a knowledge base of 1,000 and
// 10,000 articles and reports the p50 and p99 of the per-query latency.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			ix := NewIndex()
			for _, a := range benchArticles(n) {
				ix.Put(a)
			}
			qs := benchQueries(512)
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				ix.Search(qs[i%len(qs)], SearchOptions{})
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkBuild measures indexing a whole knowledge base, as Service.Load does
// at start (analysis spread over every CPU).
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			as := benchArticles(n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var ix *Index
			b.ReportAllocs()
			for b.Loop() {
				ix = NewIndex()
				ix.putAllNewer(as) // as Service.Load does
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
			runtime.GC()
			runtime.ReadMemStats(&after)
			// The heap the last index holds, its articles' own text included.
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
			runtime.KeepAlive(ix)
		})
	}
}

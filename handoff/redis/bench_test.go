package redis_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/redis"
)

// benchAgents is how many agents claim at once in the claim benchmarks.
const benchAgents = 32

// benchCapacity is high enough that no benchmark agent ever fills up: the
// benchmarks measure claims, not refusals.
const benchCapacity = 1 << 30

// fill enqueues n tickets spread over every skill.
func fill(tb testing.TB, q *redis.Queue, n int) {
	tb.Helper()
	ts := make([]handoff.Ticket, n)
	start := time.Now()
	for i := range ts {
		ts[i] = handoff.Ticket{
			ConversationID: fmt.Sprintf("bench-%08d", i),
			CustomerID:     "customer",
			Skill:          gridline.Skills[i%len(gridline.Skills)],
			Priority:       i % 3 * gridline.PriorityVulnerable,
			EnqueuedAt:     start.Add(time.Duration(i) * time.Millisecond),
		}
	}
	if err := q.EnqueueAll(context.Background(), ts); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkClaim measures claims per second through Queue.Claim with 32 agents
// claiming at once, each over all five skills, from a queue pre-filled with as
// many tickets as the benchmark claims.
func BenchmarkClaim(b *testing.B) {
	client := testClient(b)
	q := redis.NewQueue(client, testPrefix(b, client))
	fill(b, q, b.N+benchAgents)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism((benchAgents + 1) / 2) // with GOMAXPROCS=2: 32 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		agent := fmt.Sprintf("agent-%02d", next.Add(1)%benchAgents)
		for pb.Next() {
			if _, err := q.Claim(ctx, agent, gridline.Skills, benchCapacity); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// TestClaimVersusRedisBenchmark puts Queue.Claim next to redis-benchmark running
// the very same Lua source (redis.ClaimScript, SCRIPT LOAD, EVALSHA) with 32
// connections on pre-filled queues, on this machine in this run, and logs both
// rates and their ratio. It runs only with GRIDLINE_BENCH_COMPARE=1 (it takes a
// while): see bench_redis_benchmark.sh.
func TestClaimVersusRedisBenchmark(t *testing.T) {
	if os.Getenv("GRIDLINE_BENCH_COMPARE") == "" {
		t.Skip("set GRIDLINE_BENCH_COMPARE=1 to compare with redis-benchmark (handoff/redis/bench_redis_benchmark.sh)")
	}
	tool, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Fatal("redis-benchmark is not installed (Debian: apt-get install redis-tools)")
	}
	n := 100000
	if s := os.Getenv("GRIDLINE_BENCH_CLAIMS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	client := testClient(t)
	ctx := context.Background()

	// Go: 32 agents claim n tickets through the queue.
	goPrefix := testPrefix(t, client)
	q := redis.NewQueue(client, goPrefix)
	fill(t, q, n)
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for a := 0; a < benchAgents; a++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			agent := fmt.Sprintf("agent-%02d", a)
			for left.Add(-1) >= 0 {
				if _, err := q.Claim(ctx, agent, gridline.Skills, benchCapacity); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	goRate := float64(n) / time.Since(start).Seconds()
	assertDrained(t, q, client, goPrefix, n)

	// redis-benchmark: the same script by SHA, the same arguments, fresh tickets.
	rbPrefix := testPrefix(t, client)
	rq := redis.NewQueue(client, rbPrefix)
	fill(t, rq, n)
	sha, err := client.ScriptLoad(ctx, redis.ClaimScript).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := goredis.NewScript(redis.ClaimScript).Hash(); sha != want {
		t.Fatalf("SCRIPT LOAD gave %s, the queue runs %s", sha, want)
	}
	opt := client.Options()
	host, port, err := net.SplitHostPort(opt.Addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-h", host, "-p", port, "--dbnum", strconv.Itoa(opt.DB),
		"-n", strconv.Itoa(n), "-c", strconv.Itoa(benchAgents), "-r", strconv.Itoa(benchAgents), "--csv",
		"EVALSHA", sha, "0", rbPrefix, "agent-__rand_int__", strconv.Itoa(benchCapacity)}
	args = append(args, gridline.Skills...)
	if opt.Password != "" {
		args = append([]string{"-a", opt.Password}, args...)
	}
	t.Logf("command: redis-benchmark %s", quoteArgs(args, opt.Password))
	cmd := exec.Command(tool, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, stderr.String())
	}
	rbRate, err := csvRate(out)
	if err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	assertDrained(t, rq, client, rbPrefix, n)

	t.Logf("claims/s with %d agents over %d pre-filled tickets: Go Queue.Claim %.0f, redis-benchmark EVALSHA %.0f, ratio Go/redis-benchmark %.2f",
		benchAgents, n, goRate, rbRate, goRate/rbRate)
}

// assertDrained checks that every ticket was really claimed, and counted once.
func assertDrained(t *testing.T, q *redis.Queue, client *goredis.Client, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	if left, err := q.List(ctx, ""); err != nil || len(left) != 0 {
		t.Fatalf("%d tickets left unclaimed (%v)", len(left), err)
	}
	loads, err := client.HVals(ctx, prefix+"load").Result()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, s := range loads {
		v, _ := strconv.Atoi(s)
		sum += v
	}
	if sum != n {
		t.Fatalf("loads sum to %d after %d claims", sum, n)
	}
}

// csvRate reads requests per second from redis-benchmark --csv output.
func csvRate(out []byte) (float64, error) {
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		return 0, err
	}
	for _, row := range rows {
		if len(row) >= 2 && row[0] != "test" {
			return strconv.ParseFloat(row[1], 64)
		}
	}
	return 0, fmt.Errorf("no rate")
}

func quoteArgs(args []string, secret string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if secret != "" && a == secret {
			a = "***"
		}
		b.WriteString(a)
	}
	return b.String()
}

#!/bin/sh
# Claims per second through handoff/redis.Queue.Claim with 32 concurrent agents,
# next to redis-benchmark running the same Lua script (redis.ClaimScript, loaded
# with SCRIPT LOAD, driven by EVALSHA over 32 connections) on the same pre-filled
# queues, on this machine, in one run. Both figures and their ratio are logged.
#   GRIDLINE_TEST_REDIS_URL  Redis to use (default redis://127.0.0.1:6379/0)
#   GRIDLINE_BENCH_CLAIMS    claims per side (default 100000)
set -eu
cd "$(dirname "$0")/../.."
GRIDLINE_TEST_REDIS_URL="${GRIDLINE_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" \
GRIDLINE_BENCH_COMPARE=1 \
	exec go test -count=1 -v -run '^TestClaimVersusRedisBenchmark$' ./handoff/redis/

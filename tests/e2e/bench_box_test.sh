#!/usr/bin/env bash
# gpubox bench NAME on the local cloud (CPU only): every measure with its unit, positive and
# consistent timings, the scaling table for 1..N workers, cost = price x time, the history.
# shellcheck disable=SC2016  # $names in single quotes are jq's
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
jqc() { jqe "$@" >/dev/null; }  # a jq condition for check

"$gpubox" bench >/dev/null 2>"$work/noname.err"
check "no name: usage error (exit 2)" test $? = 2
"$gpubox" bench nosuch --quick >/dev/null 2>"$work/nosuch.err"
check "unknown box: not found (exit 3), one error line" \
  test $? = 3 -a "$(grep -c '^gpubox: error: ' "$work/nosuch.err")" = 1

"$gpubox" up b1 --gpu T4 --on-demand >"$work/up.log" 2>&1
check "up b1" test $? = 0
start=$(now_ms)
"$gpubox" bench b1 --quick --json >"$work/b1.json" 2>"$work/b1.err"
status=$?
echo "bench b1 --quick: $(($(now_ms) - start)) ms"
check "bench --quick --json succeeds" test "$status" = 0
b=$work/b1.json
check "progress shown per step" grep -q '^gpubox: bench: gemm fp32 n=' "$work/b1.err"
check "labelled CPU" jqc '.device.kind == "cpu" and (.device.note | test("CPU only"))' "$b"
check "every measure has its unit" jqc '
  ([.devices[0].gemm[].unit] | all(. == "TFLOP/s")) and .devices[0].memory.unit == "GB/s"
  and .devices[0].host_device.unit == "GB/s" and .training.unit == "samples/s"
  and .allreduce.unit == "GB/s" and .cost.unit == "USD"' "$b"
check "fp32 GEMM at several sizes" jqc '.devices[0].gemm[0].precision == "fp32"
  and (.devices[0].gemm[0].sizes | length) >= 3' "$b"
check "timings positive" jqc '
  ([.devices[0].gemm[].sizes[] | .seconds, .tflops] | all(. > 0))
  and .devices[0].memory.seconds > 0 and .devices[0].memory.gbps > 0
  and ([.training.runs[] | .seconds, .samples_per_s] | all(. > 0))' "$b"
# Timings under a loaded CI host can invert between sizes; what must hold is
# the arithmetic: each size's rate is its 2n^3 floating-point operations over its time.
check "TFLOP/s = 2 n^3 / seconds at every size" jqc '
  [.devices[0].gemm[].sizes[] | ((.tflops - 2 * .n * .n * .n / .seconds / 1e12) | fabs) <= 1e-3 * .tflops]
  | all' "$b"
check "memory bandwidth is 2 x bytes / time" jqc '
  .devices[0].memory | ((.gbps - 2 * .bytes / .seconds / 1e9) | fabs) < 1e-6 * .gbps' "$b"
workers=$(jq .device.workers "$b")
check "scaling table for 1..N workers (N = $workers)" jqc --argjson n "$workers" '
  [.training.runs[].workers] == [range(1; $n + 1)] and .training.runs[0].efficiency == 1' "$b"
if [ "$(nproc)" -ge 2 ]; then
  check "several CPU workers on a multi-core host" test "$workers" -ge 2
  check "all-reduce over gloo with busbw = algbw x 2(n-1)/n" jqc '.allreduce
    | .backend == "gloo" and .ranks >= 2 and .busbw_gbps > 0
    and ((.busbw_gbps - .algbw_gbps * 2 * (.ranks - 1) / .ranks) | fabs) < 1e-9' "$b"
fi
price=$(jq '.[0].price_usd_hr' <<<"$("$gpubox" ls --json)")
check "cost uses the box's price" jqc --argjson p "$price" '.cost.price_usd_hr == $p and .box.price_usd_hr == $p' "$b"
check "bench cost = price x time" jqc '.cost
  | ((.bench_cost_usd - .price_usd_hr * .bench_seconds / 3600) | fabs) < 1e-12' "$b"
check "\$ per million samples = price / samples per hour" jqc '.cost
  | ((.usd_per_million_samples - .price_usd_hr / (.samples_per_s * 3600) * 1e6) | fabs)
    < 1e-9 * .usd_per_million_samples' "$b"
check "\$ per PFLOP/s-hour from the best CPU precision" jqc '.cost as $c
  | ([.devices[0].gemm[] | select(.precision == $c.pflops_precision)][0].tflops) as $t
  | (($c.usd_per_pflops_hour - $c.price_usd_hr / ($t / 1000)) | fabs) < 1e-6 * $c.usd_per_pflops_hour' "$b"
check "no flag on the local cloud's emulated GPU" jqc '.flags == []' "$b"
"$gpubox" bench --history --json >"$work/history.json"
check "kept in the history" jqc --slurpfile b "$b" '
  length == 1 and .[0].box == "b1" and .[0].id == $b[0].history_id
  and .[0].usd_per_million_samples == $b[0].cost.usd_per_million_samples' "$work/history.json"
"$gpubox" bench --history >"$work/history.txt"
check "history as a table" grep -q 'g4dn' "$work/history.txt"
"$gpubox" down b1 --yes >/dev/null 2>&1
finish

#!/usr/bin/env bash
# jobsim against the yardsticks of the reference workloads (docs/performance.md), side by
# side on this machine in the same run, as ratios.
#
#   scripts/bench-vs-yardsticks.sh            # prints a markdown report on stdout
#
# Builds the yardsticks (../shared/yardsticks from the repository root) and jobsim in
# release mode, then runs W1, W2 and W3 on each program:
#
#   floor     the bare event loop with W1's event count and mix (no model)
#   lean      the lean hand-written model, with the Job-wide back-off gate (--backoff job)
#   jobsim    `jobsim run --no-output` (full semantics, per-pod output off)
#   jobsim+out  `jobsim run` writing pods.csv, events.csv and summary.json (no charts, no
#               series) into a new folder, and again replacing the files of the previous run
#   SimPy     the SimPy model (W1 and W2 only; needs python3, installs simpy into a venv)
#
# Every figure is whole-process: wall time from just before the process starts to its exit,
# CPU time (user + system) and peak RSS of the process. Each program runs RUNS times and the
# median is reported; lean and jobsim without output take turns run by run, since their
# ratio is the first target. On a shared machine the CPU-time ratios (in brackets) are the steadier.
# Then: W3's cost per event against W1's, W3's peak RSS against a 20M-completion run at the
# same parallelism, the start-up time of a one-pod Job, and the sweep S1 at -j 1 and -j 2
# (runs per second, and whether the outputs are byte-identical).
#
# Environment:
#   YARDSTICKS=DIR      the yardsticks (default: ../shared/yardsticks from the repo root)
#   RUNS=N              repetitions per measurement (default 3; medians)
#   SIMPY=0             skip SimPy (W1 takes about 15 s per run)
#   SIMPY_RUNS=N        repetitions of SimPy (default 1: its ratio is far from the target)
#   SIMPY_VENV=DIR      the virtualenv for SimPy (default target/bench/simpy-venv)
#   BIG=0               skip the 20M-completion run (about 30 s)
#   SWEEP=0             skip the S1 sweep
#   TARGET_DIR=DIR      where the yardsticks are built (default target/bench/yardsticks)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

YARDSTICKS="${YARDSTICKS:-$ROOT/../shared/yardsticks}"
RUNS="${RUNS:-3}"
SIMPY="${SIMPY:-1}"
SIMPY_RUNS="${SIMPY_RUNS:-1}"
SIMPY_VENV="${SIMPY_VENV:-$ROOT/target/bench/simpy-venv}"
BIG="${BIG:-1}"
SWEEP="${SWEEP:-1}"
TARGET_DIR="${TARGET_DIR:-$ROOT/target/bench/yardsticks}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/jobsim-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

die() {
  echo "bench-vs-yardsticks: $*" >&2
  exit 1
}
log() { echo "-- $*" >&2; }

[ -f "$YARDSTICKS/lean/Cargo.toml" ] ||
  die "no yardsticks at $YARDSTICKS (expected lean/Cargo.toml there); set YARDSTICKS=DIR"
command -v python3 >/dev/null 2>&1 || [ -x /usr/bin/time ] ||
  die "python3 or /usr/bin/time (GNU time) is needed for peak RSS"

log "building the yardsticks into $TARGET_DIR"
cargo build --quiet --release --locked --manifest-path "$YARDSTICKS/lean/Cargo.toml" \
  --target-dir "$TARGET_DIR" >&2
FLOOR="$TARGET_DIR/release/floor"
LEAN="$TARGET_DIR/release/lean"
log "building jobsim (release)"
cargo build --quiet --release --locked >&2
JOBSIM="$ROOT/target/release/jobsim"

PY=""
if [ "$SIMPY" != 0 ]; then
  if command -v python3 >/dev/null 2>&1; then
    if [ ! -x "$SIMPY_VENV/bin/python" ]; then
      log "creating $SIMPY_VENV with simpy 4.1.2"
      python3 -m venv "$SIMPY_VENV" >&2 &&
        "$SIMPY_VENV/bin/pip" install --quiet simpy==4.1.2 >&2 || SIMPY_VENV=""
    fi
    [ -n "$SIMPY_VENV" ] && PY="$SIMPY_VENV/bin/python"
  fi
  [ -n "$PY" ] || log "SimPy skipped (no python3 or no simpy)"
fi

# measure KEY N CMD...: runs CMD N times; records "wall_us rss_kib cpu_us" per run in
# $WORK/KEY.runs and the last run's stdout and stderr in $WORK/KEY.out. With python3 the
# figures come from wait4() (CPU time to the microsecond); without, from date and
# /usr/bin/time (CPU time to 10 ms). BEFORE, if set, is run (untimed) before each run;
# APPEND=1 adds to KEY's earlier runs instead of starting afresh.
measure() {
  local key="$1" n="$2"
  shift 2
  [ "${APPEND:-0}" = 1 ] || : >"$WORK/$key.runs"
  for ((i = 0; i < n; i++)); do
    [ -z "${BEFORE:-}" ] || eval "$BEFORE"
    if command -v python3 >/dev/null 2>&1; then
      # Peak RSS from /usr/bin/time when present: a child forked from python counts
      # python's pages in its high-water mark.
      python3 - "$WORK/$key.out" "$WORK/$key.rss" "$@" >>"$WORK/$key.runs" <<'PY' ||
import os, subprocess, sys, time
out_path, rss_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
timed = os.access("/usr/bin/time", os.X_OK)
if timed:
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd
with open(out_path, "wb") as out:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
rss = ru.ru_maxrss
if timed:
    with open(rss_path) as f:
        rss = int(f.read().split()[-1])
print(int(wall * 1e6), rss, int((ru.ru_utime + ru.ru_stime) * 1e6))
sys.exit(os.waitstatus_to_exitcode(status))
PY
        die "failed: $* (see below)
$(cat "$WORK/$key.out")"
    else
      local t0 t1
      t0=$(date +%s%N)
      /usr/bin/time -f "%M %U %S" -o "$WORK/$key.rss" "$@" >"$WORK/$key.out" 2>&1 ||
        die "failed: $* (see below)
$(cat "$WORK/$key.out")"
      t1=$(date +%s%N)
      tail -n 1 "$WORK/$key.rss" |
        awk -v w=$(((t1 - t0) / 1000)) '{printf "%d %d %d\n", w, $1, ($2 + $3) * 1e6}' \
          >>"$WORK/$key.runs"
    fi
  done
}

# median of column C (1: wall µs, 2: RSS KiB, 3: CPU µs) of KEY's runs.
median() {
  sort -n -k"$2","$2" "$WORK/$1.runs" | awk -v c="$2" '{v[NR]=$c} END {
    if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'
}
wall() { awk -v u="$(median "$1" 1)" 'BEGIN {printf "%.4f", u/1e6}'; }
cpu() { awk -v u="$(median "$1" 3)" 'BEGIN {printf "%.4f", u/1e6}'; }
rss_mib() { awk -v k="$(median "$1" 2)" 'BEGIN {printf "%.1f", k/1024}'; }
# field NAME of KEY's last output ("name=value" pairs).
field() { grep -oE "(^| )$2=[0-9.]+" "$WORK/$1.out" | tail -n 1 | cut -d= -f2; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "-"; else printf "%.2f", a/b}'; }

declare -A EVENTS PODS
# The yardsticks' own sizes for W3.
W3_ARGS=(--completions 2000000 --parallelism 50000)

for w in w1 w2 w3; do
  if [ "$w" = w3 ]; then
    yard=("${W3_ARGS[@]}")
    lean_extra=(--nodes 5000)
  else
    yard=("$w")
    lean_extra=()
  fi
  log "$w: floor"
  measure "floor-$w" "$RUNS" "$FLOOR" "${yard[@]}"
  # lean and jobsim take turns, run by run: the ratio of their medians compares them under
  # the same conditions, whatever the machine does over the minute (in blocks of RUNS
  # runs each, a slower spell of the machine could fall on one program alone).
  log "$w: lean --backoff job and jobsim --no-output, in turn"
  : >"$WORK/lean-$w.runs"
  : >"$WORK/jobsim-$w.runs"
  for ((r = 0; r < RUNS; r++)); do
    APPEND=1 measure "lean-$w" 1 "$LEAN" "${yard[@]}" "${lean_extra[@]}" --backoff job
    APPEND=1 measure "jobsim-$w" 1 "$JOBSIM" run "scenarios/bench/$w.yaml" --no-output --stats
  done
  # Each run starts with the files of earlier runs on disk (sync): the kernel's write-back
  # of one run does not land in the next. Replacing 77 MB of earlier output costs more
  # than writing it into a new folder (on ext4, the rename over the old file starts the
  # write-back of the new one, and the old file's blocks are freed): both are reported.
  log "$w: jobsim writing pods.csv and events.csv into a new folder"
  BEFORE="rm -rf '$WORK/out-$w'; sync" measure "jobsimout-$w" "$RUNS" "$JOBSIM" run \
    "scenarios/bench/$w.yaml" --stats -o "$WORK/out-$w" --force --no-charts --no-series
  log "$w: jobsim replacing the pods.csv and events.csv of the previous run"
  BEFORE="sync" measure "jobsimre-$w" "$RUNS" "$JOBSIM" run \
    "scenarios/bench/$w.yaml" --stats -o "$WORK/out-$w" --force --no-charts --no-series
  if [ -n "$PY" ] && [ "$w" != w3 ]; then
    log "$w: SimPy"
    measure "simpy-$w" "$SIMPY_RUNS" "$PY" "$YARDSTICKS/simpy/k8s_jobs_simpy.py" "$w"
  fi
  for p in floor lean simpy; do
    [ -f "$WORK/$p-$w.out" ] || continue
    EVENTS[$p-$w]=$(field "$p-$w" events)
    PODS[$p-$w]=$(field "$p-$w" pods_created)
  done
  for p in jobsim jobsimout jobsimre; do
    EVENTS[$p-$w]=$(field "$p-$w" canonical-events)
    PODS[$p-$w]=$(field "$p-$w" pods)
  done
done

BIG_RSS=""
if [ "$BIG" != 0 ]; then
  log "W3 at 20,000,000 completions (peak RSS)"
  # Ten times the attempts also means ten times the failures: W3's backoffLimit (1,000,000)
  # would fail the Job near the end, and deleting its 33,000 running pods at once is not
  # the steady state being compared. The limit goes up with the completions.
  measure big 1 "$JOBSIM" run scenarios/bench/w3.yaml --no-output --stats \
    --set jobs.w3.spec.completions=20000000 --set jobs.w3.spec.backoffLimit=10000000
  grep -q "Complete  *20000000/20000000" "$WORK/big.out" ||
    die "the 20M-completion run did not complete: $(head -n 2 "$WORK/big.out" | tail -n 1)"
  BIG_RSS=$(rss_mib big)
fi

log "start-up: scenarios/hello-job.yaml --no-output"
measure hello $((RUNS * 5)) "$JOBSIM" run scenarios/hello-job.yaml --no-output

if [ "$SWEEP" != 0 ]; then
  # -o into a fresh folder per run; the last run's folder is compared.
  log "S1 sweep, -j 1"
  measure s1-j1 "$RUNS" sh -c "rm -rf '$WORK/s1-j1' && '$JOBSIM' sweep scenarios/bench/s1.yaml \
    -j 1 --no-charts -o '$WORK/s1-j1'"
  log "S1 sweep, -j 2"
  measure s1-j2 "$RUNS" sh -c "rm -rf '$WORK/s1-j2' && '$JOBSIM' sweep scenarios/bench/s1.yaml \
    -j 2 --no-charts -o '$WORK/s1-j2'"
  if diff -r "$WORK/s1-j1" "$WORK/s1-j2" >/dev/null; then S1_SAME=yes; else S1_SAME=NO; fi
fi

# ---- report ----
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
cpu=$(grep -m1 "model name" /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //' || echo unknown)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo "?")
echo "## jobsim vs the yardsticks"
echo
echo "$(date -u +%Y-%m-%d), commit $commit$dirty, $(nproc) cores ($cpu), $mem, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg) at the end; whole-process medians of $RUNS runs" \
  "(SimPy: $SIMPY_RUNS)."
echo
echo "| workload | program | wall s | CPU s | canonical events/s | µs per pod attempt | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
for w in w1 w2 w3; do
  for p in floor lean jobsim jobsimout jobsimre simpy; do
    [ -f "$WORK/$p-$w.runs" ] || continue
    case $p in
      lean) name="lean --backoff job" ;;
      jobsim) name="jobsim, output off" ;;
      jobsimout) name="jobsim, pods.csv + events.csv" ;;
      jobsimre) name="jobsim, replacing pods.csv + events.csv" ;;
      simpy) name="SimPy" ;;
      *) name=$p ;;
    esac
    t=$(wall "$p-$w")
    eps=$(awk -v e="${EVENTS[$p-$w]}" -v t="$t" 'BEGIN {printf "%.2f M", e/t/1e6}')
    us=$(awk -v p="${PODS[$p-$w]}" -v t="$t" 'BEGIN {printf "%.2f", t*1e6/p}')
    echo "| ${w^^} | $name | $t | $(cpu "$p-$w") | $eps | $us | $(rss_mib "$p-$w") |"
  done
done
echo
echo "| ratio: wall time (CPU time) | W1 | W2 | W3 | target |"
echo "|---|---:|---:|---:|---|"
row() {
  local label="$1" num="$2" den="$3" target="$4"
  local out="| $label |"
  for w in w1 w2 w3; do
    if [ -f "$WORK/$num-$w.runs" ] && [ -f "$WORK/$den-$w.runs" ]; then
      out="$out $(div "$(wall "$num-$w")" "$(wall "$den-$w")")"
      out="$out ($(div "$(cpu "$num-$w")" "$(cpu "$den-$w")")) |"
    else
      out="$out - |"
    fi
  done
  echo "$out $target |"
}
row "lean / floor" lean floor ""
row "jobsim (output off) / lean" jobsim lean "W1 ≤ 2"
row "jobsim (pods.csv + events.csv) / lean" jobsimout lean "W1 ≤ 3"
row "jobsim (replacing pods.csv + events.csv) / lean" jobsimre lean ""
row "SimPy / jobsim (output off)" simpy jobsim "W1 ≥ 100"
echo
per_event() { awk -v t="$(wall "jobsim-$1")" -v e="${EVENTS[jobsim-$1]}" 'BEGIN {printf "%.3f", t*1e6/e}'; }
e1=$(per_event w1)
e3=$(per_event w3)
echo "| check | measured | target |"
echo "|---|---:|---|"
echo "| jobsim µs per canonical event, W3 / W1 | $e3 / $e1 = $(div "$e3" "$e1") | ≤ 1.5 |"
if [ -n "$BIG_RSS" ]; then
  echo "| peak RSS MiB, W3 at 20M completions / W3 (2M) | $BIG_RSS / $(rss_mib jobsim-w3) =" \
    "$(div "$BIG_RSS" "$(rss_mib jobsim-w3)") (20M run: $(wall big) s) | ≤ 1.10 |"
fi
hello_ms=$(awk -v u="$(median hello 1)" 'BEGIN {printf "%.1f", u/1e3}')
echo "| start-up, one-pod Job (hello-job.yaml, --no-output), ms, median of $((RUNS * 5)) | $hello_ms | < 20 |"
if [ "$SWEEP" != 0 ]; then
  r1=$(awk -v t="$(wall s1-j1)" 'BEGIN {printf "%.1f", 160/t}')
  r2=$(awk -v t="$(wall s1-j2)" 'BEGIN {printf "%.1f", 160/t}')
  echo "| S1 (160 runs, --no-charts) runs/s, -j 2 / -j 1 | $r2 / $r1 = $(div "$r2" "$r1") | ≥ 1.8 |"
  echo "| S1 outputs identical at -j 1 and -j 2 | $S1_SAME | yes |"
fi

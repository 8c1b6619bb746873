#!/usr/bin/env bash
# Idle cost of the dashboard, run by hand (DESIGN §6, issue 8):
#   .ci/idle-cost.sh [SECONDS]      (default 60)
# Runs flightdeck in tmux with a canary soaking and an escalation counting
# down, and the bare Bubble Tea floor program (one 1 s tick) beside it, each
# alone for SECONDS; reports CPU seconds used (utime+stime from /proc) and
# bytes written to the terminal per second (tmux pipe-pane).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
work=$(mktemp -d)
trap 'tmux -L idle-cost kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/flightdeck" .
go build -o "$work/floor" ./testdata/floor
db="$work/idle.db"
"$work/flightdeck" --db "$db" deploy start checkout-api v2.14.0 >/dev/null
"$work/flightdeck" --db "$db" deploy promote --reason "idle-cost run" >/dev/null
"$work/flightdeck" --db "$db" incident open --sev 2 "checkout 5xx (idle-cost run)" >/dev/null

clk=$(getconf CLK_TCK)
measure() { # name, command...
  local name=$1; shift
  local out="$work/$name.bytes"
  tmux -L idle-cost -f /dev/null new-session -d -s "$name" -x 120 -y 40 -e CI= -e TERM=tmux-256color "$@"
  tmux -L idle-cost pipe-pane -t "$name" -o "cat >> '$out'"
  local pid
  pid=$(tmux -L idle-cost display-message -p -t "$name" '#{pane_pid}')
  sleep 3 # let start-up finish before measuring (not part of the result)
  local b0 t0 b1 t1
  b0=$(stat -c %s "$out" 2>/dev/null || echo 0)
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  sleep "$secs"
  b1=$(stat -c %s "$out" 2>/dev/null || echo 0)
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  tmux -L idle-cost kill-session -t "$name"
  awk -v n="$name" -v s="$secs" -v c="$clk" -v dt="$((t1 - t0))" -v db="$((b1 - b0))" \
    'BEGIN { printf "%-22s cpu %6.2f s  (%5.2f%% of a core)   terminal %7.0f B/s\n", n, dt/c, 100*dt/c/s, db/s }'
}

echo "idle cost over ${secs}s on $(nproc) cores ($(uname -m)), tmux $(tmux -V | cut -d' ' -f2)"
measure flightdeck "$work/flightdeck" --db "$db"
measure floor-20fps "$work/floor" 20
measure floor-60fps "$work/floor" 60

#!/usr/bin/env bash
# Start-up cost of the dashboard on a year of history, run by hand
# (DESIGN §6): builds flightdeck, generates the demo database, then starts
# the dashboard in tmux RUNS times and reports the time until its first
# frame is on screen (polled every 5 ms, so ±5 ms plus tmux's own latency)
# and the resident memory right after it.
#   .ci/startup.sh [RUNS]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d)
trap 'tmux -L fd-startup kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/flightdeck" .
db=$("$work/flightdeck" demo --generate-only 2>/dev/null | awk '{print $NF}' | tail -1)
[ -f "$db" ] || { echo "no demo database: $db" >&2; exit 1; }
echo "demo database: $(du -h "$db" | cut -f1), binary $(du -h "$work/flightdeck" | cut -f1)"
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  tmux -L fd-startup -f /dev/null new-session -d -s s -x 120 -y 40 -e CI= "$work/flightdeck --db '$db'"
  until tmux -L fd-startup capture-pane -p -t s 2>/dev/null | grep -q 'Incident log'; do sleep 0.005; done
  end=$(date +%s%N)
  pid=$(tmux -L fd-startup display-message -p -t s '#{pane_pid}')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  awk -v i="$i" -v ms="$(((end - start) / 1000000))" -v kb="$rss" 'BEGIN { printf "run %d: first frame %4d ms, RSS %5.1f MB\n", i, ms, kb/1024 }'
  tmux -L fd-startup kill-server
done
rm -rf "$(dirname "$db")"

#!/usr/bin/env bash
# Idle cost of the dashboard, run by hand (DESIGN §6, issues 8 and 18):
#   .ci/idle-cost.sh [SECONDS [SIZE [ROUNDS]]]     (defaults 60, 120x40, 1)
#   IDLE_COST_BASE=/path/to/another/flightdeck .ci/idle-cost.sh ...
# Runs flightdeck in tmux with a canary soaking and a SEV1 counting down,
# beside the bare Bubble Tea floor program (one 1 s tick) at the same 20 fps
# and at 60 fps — all at once, in windows of SIZE, so the machine's noise
# falls on each alike — and reports, per round, the CPU each used (the
# time its threads ran, from /proc/PID/task/*/schedstat, in nanoseconds)
# and the bytes each wrote to the terminal per second (tmux pipe-pane);
# then the ratio flightdeck / floor at 20 fps: median and min–max over the
# rounds. IDLE_COST_BASE measures a second build beside it (before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
size=${2:-120x40}
rounds=${3:-1}
cols=${size%x*}
rows=${size#*x}
work=$(mktemp -d)
sock="idle-cost-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/flightdeck" .
go build -o "$work/floor" ./testdata/floor
base=${IDLE_COST_BASE:-}
db="$work/idle.db"
fd() { "$work/flightdeck" --db "$db" "$@" >/dev/null; }
fd deploy start checkout-api v2.14.0
fd deploy promote --reason "idle-cost run"
fd deploy live # the canary soaks: its countdown runs
fd incident open --sev 1 "checkout 5xx (idle-cost run)"

# cpu PID: nanoseconds its threads have run so far.
cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d", s }'; }
bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

names=(flightdeck)
[ -n "$base" ] && names+=(base)
names+=(floor-20fps floor-60fps)
command_of() {
  case $1 in
  flightdeck) cp "$db" "$work/$1.db"; echo "$work/flightdeck --db $work/$1.db" ;;
  base) cp "$db" "$work/$1.db"; echo "$base --db $work/$1.db" ;;
  floor-20fps) echo "$work/floor 20" ;;
  floor-60fps) echo "$work/floor 60" ;;
  esac
}

echo "idle cost at ${cols}x${rows} over ${secs}s, ${rounds} round(s), on $(nproc) cores ($(uname -m)), tmux $(tmux -V | cut -d' ' -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A ratio bps
for r in $(seq 1 "$rounds"); do
  declare -A pid c0 b0
  for n in "${names[@]}"; do
    rm -f "$work/$n.bytes"
    # shellcheck disable=SC2046 # the command is split into its words on purpose
    tmux -L "$sock" -f /dev/null new-session -d -s "$n" -x "$cols" -y "$rows" -e CI= -e TERM=tmux-256color $(command_of "$n")
    tmux -L "$sock" pipe-pane -t "$n" -o "cat >> '$work/$n.bytes'"
    pid[$n]=$(tmux -L "$sock" display-message -p -t "$n" '#{pane_pid}')
  done
  sleep 3 # let start-up finish before measuring (not part of the result)
  for n in "${names[@]}"; do c0[$n]=$(cpu "${pid[$n]}"); b0[$n]=$(bytes "$work/$n.bytes"); done
  sleep "$secs"
  declare -A ns bs
  for n in "${names[@]}"; do
    ns[$n]=$(($(cpu "${pid[$n]}") - c0[$n]))
    bs[$n]=$(($(bytes "$work/$n.bytes") - b0[$n]))
  done
  for n in "${names[@]}"; do
    tmux -L "$sock" kill-session -t "$n"
    awk -v r="$r" -v n="$n" -v s="$secs" -v ns="${ns[$n]}" -v b="${bs[$n]}" -v f="${ns[floor-20fps]}" \
      'BEGIN { printf "round %d  %-12s cpu %7.3f s (%5.2f%% of a core, %5.2f× floor-20fps)   terminal %6.0f B/s\n", r, n, ns/1e9, 100*ns/1e9/s, ns/f, b/s }'
  done
  for n in "${names[@]}"; do
    ratio[$n]+="$(awk -v a="${ns[$n]}" -v f="${ns[floor-20fps]}" 'BEGIN { printf "%.3f", a/f }') "
    bps[$n]+="$(awk -v b="${bs[$n]}" -v s="$secs" 'BEGIN { printf "%.0f", b/s }') "
  done
  unset pid c0 b0 ns bs
done

# median and min–max of a list of numbers
summary() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%s (%s–%s)", m, v[1], v[NR] }'; }
echo "summary at ${cols}x${rows}: median (min–max) over ${rounds} round(s) of ${secs}s"
for n in "${names[@]}"; do
  printf '  %-12s cpu %s× floor-20fps   terminal %s B/s\n' "$n" "$(summary <<<"${ratio[$n]}")" "$(summary <<<"${bps[$n]}")"
done

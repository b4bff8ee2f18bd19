#!/usr/bin/env bash
# Captures real runs of aether-top in tmux and writes screenshots/*.svg (and .txt).
#   bash scripts/screenshots.sh            # the embedded demo
# Needs tmux and python3. Builds aether-top first.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product aether-top >/dev/null
BIN="$(swift build --show-bin-path)/aether-top"
OUT=screenshots
mkdir -p "$OUT"
S="aether-shots-$$"
trap 'tmux kill-session -t "$S" 2>/dev/null || true' EXIT

tmux new-session -d -s "$S" -x 120 -y 36 "env PS1='$ ' bash --norc --noprofile"
tmux send-keys -t "$S" "env -u NO_COLOR $BIN --drill-report /tmp/aether-shots-drill.json" Enter

shot() { # name title
    sleep "${3:-1}"
    tmux capture-pane -t "$S" -e -p > "$OUT/$1.ansi"
    tmux capture-pane -t "$S" -p > "$OUT/$1.txt"
    python3 scripts/ansi2svg.py "$2" < "$OUT/$1.ansi" > "$OUT/$1.svg"
    rm "$OUT/$1.ansi"
    echo "wrote $OUT/$1.svg"
}

sleep 6                                   # let the demo build up some history
shot streams "aether-top — Streams: live rates and the tail (embedded demo)"
tmux send-keys -t "$S" Enter              # the selected event, whole
shot inspector "aether-top — the event inspector"
tmux send-keys -t "$S" Enter              # its actor, at that version
sleep 1
tmux send-keys -t "$S" Down Down          # step back two events
shot actors "aether-top — Actors: history, replayed state and its diff"
tmux send-keys -t "$S" Escape ':' a c Tab
shot command "aether-top — the : command line, completing"
tmux send-keys -t "$S" Escape 1 '/' o r d e r s Enter t   # the request of an order event
shot trace "aether-top — the trace view: one request across namespaces" 2
tmux send-keys -t "$S" Escape Escape
tmux send-keys -t "$S" Escape 3
shot cluster "aether-top — Cluster: members, leader, lease, shard map"
tmux send-keys -t "$S" 4
shot bus "aether-top — Bus and store figures"
tmux send-keys -t "$S" 3 f
sleep 0.5
tmux send-keys -t "$S" k                  # the embedded demo may kill the leader instead of asking it to resign
shot drill "aether-top — failover drill: leader killed, timeline and figures" 7
tmux send-keys -t "$S" Escape '?'
shot help "aether-top — keys (generated from the key map)"
tmux send-keys -t "$S" Escape q

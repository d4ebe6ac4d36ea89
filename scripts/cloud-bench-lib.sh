# Shared by scripts/bench-ratelimit, bench-faults and bench-threads: builds ferry and
# BenchCloud, starts a Cloud twin on a free port, and stops it on exit.
# Options: --smoke (tiny CI size), --release (optimised build; slower to build).
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=0
CONFIG=debug
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --release) CONFIG=release ;;
    *) echo "unknown option $arg (use --smoke, --release)" >&2; exit 2 ;;
  esac
done
echo "== building ferry and BenchCloud ($CONFIG)"
BUILD_LOG="$(mktemp)"
if ! { swift build -c "$CONFIG" --product ferry && swift build -c "$CONFIG" --product BenchCloud; } >"$BUILD_LOG" 2>&1; then
  grep -E "error" "$BUILD_LOG" | head -20; rm -f "$BUILD_LOG"; echo "build failed"; exit 1
fi
rm -f "$BUILD_LOG"
BIN="$(swift build -c "$CONFIG" --show-bin-path)"
TWIN_LOG="$(mktemp)"
"$BIN/ferry" twin cloud --port 0 --json --log-level error >"$TWIN_LOG" 2>&1 &
TWIN_PID=$!
trap 'kill "$TWIN_PID" 2>/dev/null || true; wait "$TWIN_PID" 2>/dev/null || true; rm -f "$TWIN_LOG"' EXIT
for _ in $(seq 1 100); do
  if grep -q '"url"' "$TWIN_LOG"; then break; fi
  sleep 0.1
done
TWIN_URL="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$TWIN_LOG")"
echo "== twin at $TWIN_URL (pid $TWIN_PID)"

#!/usr/bin/env bash
# Runs the whole suite (`npm test`) on a loaded machine: two busy processes keep both cores spinning while the tests run,
# and every test deadline is scaled by TEST_TIME_FACTOR (3 unless set). The busy processes are killed on exit, however
# the run ends. Extra arguments go to vitest, e.g. `bash test/load.sh test/executor/durability.test.ts`.
# Also `npm run test:load`. LOAD_PROCS sets how many busy processes to start (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_busy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq 1 "${LOAD_PROCS:-2}"); do
  node -e 'for (;;) {}' &
  busy+=("$!")
done
export TEST_TIME_FACTOR="${TEST_TIME_FACTOR:-3}"
echo "load.sh: busy processes ${busy[*]}, TEST_TIME_FACTOR=${TEST_TIME_FACTOR}" >&2
status=0
npm test -- "$@" || status=$?
echo "load.sh: npm test exited ${status} after ${SECONDS} s under load" >&2
exit "$status"

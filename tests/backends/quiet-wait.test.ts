// quietly(): while a wait of a caller whose waits have been long is pending, a callback that
// re-queues itself through the global setImmediate (as dawn.node's event polling does) runs about
// once a millisecond instead of spinning; a caller with short waits keeps spinning for
// LATENCY_SPIN_MS; only innermost waits count; the original setImmediate is back once every wait
// has settled; results and errors pass through unchanged.

import assert from "node:assert/strict";
import { test } from "vitest";
import { LATENCY_SPIN_MS, LONG_WAIT_MS, SPIN_MS, WaitHistory, quietWaitPending, quietly } from "../../backends/wgsl/quiet-wait.ts";

/** Counts the polls of a loop that re-queues itself with the global setImmediate until `done()`. */
function pollLoop(done: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    let polls = 0;
    const poll = (): void => {
      polls++;
      if (done()) resolve(polls);
      else (globalThis.setImmediate as (fn: () => void) => unknown)(poll);
    };
    poll();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const busy = process.env["SHOWO_BUSY_WAIT"] === "1" ? "SHOWO_BUSY_WAIT=1 turns quiet waits off" : false;

test("a self-re-queueing poll loop spins without quietly and ticks with it", async (t) => {
  if (busy) t.skip(busy);
  const WAIT = 40;
  let over = false;
  const loud = pollLoop(() => over);
  await sleep(WAIT);
  over = true;
  const loudPolls = await loud;

  over = false;
  const original = globalThis.setImmediate;
  const waits = new WaitHistory();
  await quietly(sleep(3 * LONG_WAIT_MS), waits); // a long wait first: this caller's waits are long
  assert.equal(waits.spinMs(), SPIN_MS);
  const wait = quietly(sleep(WAIT).then(() => 7), waits);
  assert.ok(quietWaitPending());
  const quiet = pollLoop(() => over);
  assert.equal(await wait, 7);
  over = true;
  const quietPolls = await quiet;
  assert.equal(globalThis.setImmediate, original, "setImmediate restored after the wait");
  assert.ok(!quietWaitPending());
  // Timer ticks are ≥ 1 ms: at most WAIT of them, plus the immediate polls of the first SPIN_MS.
  assert.ok(loudPolls > 200, `the loop should spin without quietly (${loudPolls} polls in ${WAIT} ms)`);
  assert.ok(quietPolls < loudPolls / 4, `quiet wait polled ${quietPolls} times, the spinning one ${loudPolls} (SPIN_MS ${SPIN_MS})`);
});

test("a caller's history: short waits keep LATENCY_SPIN_MS of fast polls, long ones throttle after SPIN_MS; only innermost waits count", async (t) => {
  if (busy) t.skip(busy);
  const h = new WaitHistory();
  assert.equal(h.spinMs(), LATENCY_SPIN_MS, "no history yet: latency first");
  for (let i = 0; i < 5; i++) h.record(6);
  assert.equal(h.spinMs(), LATENCY_SPIN_MS, "decoding-sized waits");
  h.record(0.01); // waits that end within SPIN_MS do not count
  for (let i = 0; i < 4; i++) h.record(120);
  assert.equal(h.spinMs(), SPIN_MS, "forward-sized waits");
  for (let i = 0; i < 8; i++) h.record(6);
  assert.equal(h.spinMs(), LATENCY_SPIN_MS, "back to short waits");

  // An outer wait takes its caller's history; the inner (innermost) wait is what it records.
  const outer = new WaitHistory();
  await quietly(async () => {
    await quietly(sleep(3 * LONG_WAIT_MS), new WaitHistory()); // nested (begun inside): recorded into `outer`
    await sleep(5);
  }, outer);
  assert.ok(outer.recent >= 3 * LONG_WAIT_MS * 0.9 && outer.recent < 6 * LONG_WAIT_MS, `recorded ${outer.recent} ms`);
});

test("nested and failing waits restore setImmediate once all have settled", async (t) => {
  if (busy) t.skip(busy);
  const original = globalThis.setImmediate;
  const outer = quietly(sleep(20));
  const inner = quietly(Promise.reject(new Error("boom")));
  await assert.rejects(inner, /boom/);
  assert.notEqual(globalThis.setImmediate, original, "the outer wait is still pending");
  await outer;
  assert.equal(globalThis.setImmediate, original);
});

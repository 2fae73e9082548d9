// quietly(): while a wait is pending, a callback that re-queues itself through the global
// setImmediate (as dawn.node's event polling does) runs about once a millisecond instead of
// spinning; the original setImmediate is back once every wait has settled; results and errors
// pass through unchanged.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SPIN_MS, quietWaitPending, quietly } from "../../backends/wgsl/quiet-wait.ts";

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

test("a self-re-queueing poll loop spins without quietly and ticks with it", { skip: busy }, async () => {
  const WAIT = 40;
  let over = false;
  const loud = pollLoop(() => over);
  await sleep(WAIT);
  over = true;
  const loudPolls = await loud;

  over = false;
  const original = globalThis.setImmediate;
  const wait = quietly(sleep(WAIT).then(() => 7));
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

test("nested and failing waits restore setImmediate once all have settled", { skip: busy }, async () => {
  const original = globalThis.setImmediate;
  const outer = quietly(sleep(20));
  const inner = quietly(Promise.reject(new Error("boom")));
  await assert.rejects(inner, /boom/);
  assert.notEqual(globalThis.setImmediate, original, "the outer wait is still pending");
  await outer;
  assert.equal(globalThis.setImmediate, original);
});

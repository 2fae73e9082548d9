// Waiting for Dawn in Node without spinning a CPU core.
//
// While any of its promises is pending (a submit's error scopes, mapAsync, onSubmittedWorkDone,
// an async pipeline), dawn.node polls its instance for events from a callback it re-queues with
// the global `setImmediate` after every poll: a busy loop that keeps one core at 100% until the
// GPU finishes. On a real GPU that only wastes power. On llvmpipe the "GPU" is the CPU's own
// threads, so the loop takes a core from the shaders: measured on this project's 2-vCPU host,
// the T2I attention layer ran in 159 ms with the loop and 93 ms without it (perf: only 53% of
// CPU samples were in shader code, the rest in Node, libc and Dawn polling).
//
// `quietly(p)` makes the loop poll at most about once a millisecond while p is pending: during
// the wait the global setImmediate defers to setTimeout(fn, 1) once the wait is older than
// SPIN_MS (short waits keep their immediate polls, so small dispatches lose no latency). The
// original is put back when the last pending wait settles. Only code that calls setImmediate
// through the global during such a wait sees the change (Node's own modules keep their
// reference). Where there is no global setImmediate (browsers) it does nothing.

type Immediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

/** Milliseconds a wait polls as fast as Dawn asks before polling once per timer tick. */
export const SPIN_MS = 1;

const g = globalThis as { setImmediate?: Immediate };
let pending = 0;
let original: Immediate | null = null;
let since = 0;

// $SHOWO_BUSY_WAIT=1 leaves Dawn's busy loop alone (to measure what quiet waits change).
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const busy = env?.["SHOWO_BUSY_WAIT"] === "1";

function enter(): void {
  if (pending++ > 0 || busy || typeof g.setImmediate !== "function") return;
  const immediate = g.setImmediate;
  original = immediate;
  since = performance.now();
  g.setImmediate = (fn, ...args) => (performance.now() - since < SPIN_MS ? immediate(fn, ...args) : setTimeout(fn, 1, ...args));
}

function leave(): void {
  if (--pending > 0 || original === null) return;
  g.setImmediate = original;
  original = null;
}

/** Awaits `p` with dawn.node's event polling throttled (see above); resolves or rejects as p does. */
export async function quietly<T>(p: Promise<T>): Promise<T> {
  enter();
  try {
    return await p;
  } finally {
    leave();
  }
}

/** Whether a quiet wait is in progress (for tests). */
export const quietWaitPending = (): boolean => pending > 0;

// Waiting for Dawn in Node without spinning a CPU core through long waits.
//
// While any of its promises is pending (a submit's error scopes, mapAsync, onSubmittedWorkDone,
// an async pipeline), dawn.node polls its instance for events from a callback it re-queues with
// the global `setImmediate` after every poll: a busy loop that keeps one core at 100% until the
// GPU finishes. On llvmpipe the "GPU" is the CPU's own threads, so through a long wait the loop
// takes a core from the shaders: on this project's 2-vCPU host the T2I attention layer (one
// ~100 ms submit) ran in 159 ms with the loop and 93 ms without it (perf: only 53% of CPU
// samples were in shader code, the rest in Node, libc and Dawn polling). Through short waits the
// loop pays: MMU decoding (a step of about 6 ms: a submit, its error scopes, a readback) made
// 119–133 tokens/s with it, 84–88 when every wait polled once a millisecond after its first, and
// 95–101 when it slept 0.1 ms between polls after 5 ms (bench mmu). Probably the spinning core
// keeps a vCPU awake for llvmpipe's thread hand-offs, each of which otherwise wakes a halted one.
// With the policy below: 124–132 tokens/s, and the attention layer still 69 ms.
//
// So `quietly(p, history)` adapts to the waits a caller has seen. Each wait starts with Dawn's
// immediate polls. When the caller's recent waits were long (a running average of the innermost
// waits that outlasted SPIN_MS is above LONG_WAIT_MS), it throttles after SPIN_MS; otherwise
// after LATENCY_SPIN_MS. Histories are per caller because one process mixes both kinds: an
// Executable keeps its own, and so does each side of a bench (MMU decoding with and without its
// KV cache runs one executable). A wait inside another uses the outermost caller's history, and
// only innermost waits (the GPU's) are timed into it. Throttled, the global setImmediate defers to
// setTimeout(fn, 1), so Dawn polls about once a millisecond. The
// original is put back when the last pending wait settles. Only code that calls setImmediate
// through the global during such a wait sees the change (Node's own modules keep their
// reference). Where there is no global setImmediate (browsers) it does nothing.

type Immediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

/** Milliseconds every wait polls as fast as Dawn asks. */
export const SPIN_MS = 1;
/** Milliseconds a wait spins while recent waits were short (latency-bound work: decoding). */
export const LATENCY_SPIN_MS = 20;
/** Recent waits averaging longer than this are throughput-bound: throttle after SPIN_MS. */
export const LONG_WAIT_MS = 30;

/** How long one caller's waits have been: a running average of those that outlasted SPIN_MS. */
export class WaitHistory {
  /** Milliseconds; 0 before the first long wait. */
  recent = 0;

  /** Milliseconds of immediate polls the next wait gets. */
  spinMs(): number {
    return this.recent > LONG_WAIT_MS ? SPIN_MS : LATENCY_SPIN_MS;
  }

  record(ms: number): void {
    if (ms > SPIN_MS) this.recent = this.recent === 0 ? ms : 0.7 * this.recent + 0.3 * ms;
  }
}

/** The history of waits whose callers keep none. */
const shared = new WaitHistory();

// $SHOWO_BUSY_WAIT=1 leaves Dawn's busy loop alone (to measure what quiet waits change).
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const busy = env?.["SHOWO_BUSY_WAIT"] === "1";

const g = globalThis as { setImmediate?: Immediate };
let pending = 0;
let original: Immediate | null = null;
/** Waits begun so far: a wait during which none began is innermost. */
let begun = 0;
/** The outermost pending wait's history, and the latest wait's start and immediate-poll budget. */
let current: WaitHistory = shared;
let since = 0;
let spin = SPIN_MS;

/** Awaits `p` with dawn.node's event polling throttled (see above); resolves or rejects as p does. */
export async function quietly<T>(p: Promise<T>, history: WaitHistory = shared): Promise<T> {
  if (pending++ === 0) {
    current = history;
    if (!busy && typeof g.setImmediate === "function") {
      const immediate = g.setImmediate;
      original = immediate;
      g.setImmediate = (fn, ...args) => (performance.now() - since < spin ? immediate(fn, ...args) : setTimeout(fn, 1, ...args));
    }
  }
  const h = current;
  const serial = ++begun;
  const start = performance.now();
  since = start;
  spin = h.spinMs();
  try {
    return await p;
  } finally {
    if (begun === serial) h.record(performance.now() - start);
    if (--pending === 0 && original !== null) {
      g.setImmediate = original;
      original = null;
    }
  }
}

/** Whether a quiet wait is in progress (for tests). */
export const quietWaitPending = (): boolean => pending > 0;

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
// With the policy below: 124–132 tokens/s (bench mmu), the demo's 24-token answer as fast as
// with the loop, and the attention layer 69–71 ms.
//
// So `quietly(p, history)` adapts to the waits a caller has seen. Each wait starts with Dawn's
// immediate polls. When the caller's recent waits were long (a running average of the innermost
// waits that outlasted SPIN_MS is above LONG_WAIT_MS), it throttles after SPIN_MS; otherwise
// after LATENCY_SPIN_MS. Histories are per caller because one process mixes both kinds:
//   - an Executable keeps its own (its first run, with cold caches, does not count);
//   - the WGSL device keeps one for shader compiles;
//   - each side of a bench keeps its own (MMU decoding with and without its KV cache runs one
//     executable);
//   - waits with no caller's history never throttle before LATENCY_SPIN_MS.
// A wait begun inside another (followed across awaits by Node's AsyncLocalStorage) uses the outer
// caller's history, and only innermost waits (the GPU's) are timed into it. While any pending
// wait is within its budget Dawn polls at full speed; otherwise the global setImmediate defers to
// setTimeout(fn, 1), so Dawn polls about once a millisecond. The original is put back when the
// last pending wait settles. Only code that calls setImmediate through the global during such a
// wait sees the change (Node's own modules keep their reference). Where there is no global
// setImmediate (browsers) it does nothing.

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

/**
 * Waits whose callers keep no history (reads of device tensors, one-off syncs) mix every kind,
 * so they never throttle early: LATENCY_SPIN_MS always.
 */
class SharedWaits extends WaitHistory {
  override spinMs(): number {
    return LATENCY_SPIN_MS;
  }
}
const shared = new SharedWaits();

// $SHOWO_BUSY_WAIT=1 leaves Dawn's busy loop alone (to measure what quiet waits change).
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const busy = env?.["SHOWO_BUSY_WAIT"] === "1";

const g = globalThis as { setImmediate?: Immediate; process?: { getBuiltinModule?: (id: string) => unknown } };

/** A pending wait: its caller's history, when it began, its immediate-poll budget. */
interface Wait {
  readonly history: WaitHistory;
  readonly start: number;
  readonly spin: number;
  /** Another wait began inside this one (it is not innermost: only innermost waits are timed). */
  outer: boolean;
}

// Which wait the running code is inside of (Node's AsyncLocalStorage follows awaits): a wait
// begun inside a caller's wait takes that caller's history and marks it as not innermost. Waits
// that merely overlap (a pipeline compiling while a decode step runs) stay independent.
interface WaitContext { getStore(): Wait | undefined; run<R>(store: Wait, fn: () => R): R }
const hooks = g.process?.getBuiltinModule?.("node:async_hooks") as { AsyncLocalStorage: new () => WaitContext } | undefined;
const context: WaitContext | null = hooks ? new hooks.AsyncLocalStorage() : null;

const pendingWaits = new Set<Wait>();
let original: Immediate | null = null;

/** Immediate polls while any pending wait is within its budget; else one per timer tick. */
function install(): void {
  if (busy || original !== null || typeof g.setImmediate !== "function") return;
  const immediate = g.setImmediate;
  original = immediate;
  g.setImmediate = (fn, ...args) => {
    const now = performance.now();
    for (const w of pendingWaits) if (now - w.start < w.spin) return immediate(fn, ...args);
    return setTimeout(fn, 1, ...args);
  };
}

/**
 * Awaits `p` with dawn.node's event polling throttled (see above); resolves or rejects as p does.
 * Pass a function to wrap work that itself waits: it runs inside this wait, so its own waits take
 * this one's history (a promise already made has begun its waits outside).
 */
export async function quietly<T>(p: Promise<T> | (() => Promise<T>), history: WaitHistory = shared): Promise<T> {
  const parent = context?.getStore();
  if (parent) parent.outer = true;
  const h = parent?.history ?? history;
  const wait: Wait = { history: h, start: performance.now(), spin: h.spinMs(), outer: false };
  pendingWaits.add(wait);
  install();
  try {
    if (typeof p !== "function") return await p;
    return await (context ? context.run(wait, p) : p());
  } finally {
    pendingWaits.delete(wait);
    if (!wait.outer) h.record(performance.now() - wait.start);
    if (pendingWaits.size === 0 && original !== null) {
      g.setImmediate = original;
      original = null;
    }
  }
}

/** Whether a quiet wait is in progress (for tests). */
export const quietWaitPending = (): boolean => pendingWaits.size > 0;

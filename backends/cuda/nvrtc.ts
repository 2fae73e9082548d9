// NVRTC, CUDA's run-time compiler: used at run time when its library is found, so a machine with
// a driver but no toolkit can still compile kernels; otherwise kernels are compiled with nvcc
// (nvcc.ts). Loading and calling the library belongs to the native addon (it dlopens libcuda the
// same way); this file only finds the library, without loading it.
//
// Where it looks: the directories of LD_LIBRARY_PATH, the toolkit's own lib64/ and lib/ (when nvcc
// is installed), then the dynamic linker's cache (`ldconfig -p`).

import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { findCuda } from "./nvcc.ts";

// libnvrtc.so, libnvrtc.so.12, libnvrtc.so.11.2 ... (not libnvrtc-builtins).
const NVRTC_FILE = /^libnvrtc\.so(\.\d+)*$/;

let found: { path: string | null; reason: string } | undefined;

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => NVRTC_FILE.test(f)).sort().reverse();
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The dynamic linker's cache: `libnvrtc.so.12 (libc6,x86-64) => /path/libnvrtc.so.12` lines. */
function fromLinkerCache(): string | null {
  // ldconfig lives in sbin, often outside a user's PATH.
  const pathDirs = (process.env["PATH"] ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...pathDirs, "/sbin", "/usr/sbin"]) {
    const ldconfig = join(dir, "ldconfig");
    if (!isFile(ldconfig)) continue;
    const r = spawnSync(ldconfig, ["-p"], { encoding: "utf8" });
    if (r.status !== 0) return null;
    for (const line of r.stdout.split("\n")) {
      const m = /^\s*(libnvrtc\.so\S*)\s.*=>\s*(\S+)\s*$/.exec(line);
      if (m && NVRTC_FILE.test(m[1]!) && isFile(m[2]!)) return m[2]!;
    }
    return null;
  }
  return null;
}

function probe(): { path: string | null; reason: string } {
  const dirs = (process.env["LD_LIBRARY_PATH"] ?? "").split(delimiter).filter(Boolean);
  const tk = findCuda();
  if (tk) dirs.push(join(tk.home, "lib64"), join(tk.home, "lib"));
  for (const dir of dirs) {
    const f = filesIn(dir)[0];
    if (f) return { path: join(dir, f), reason: "" };
  }
  const cached = fromLinkerCache();
  if (cached) return { path: cached, reason: "" };
  const where = [...dirs, "the dynamic linker's cache"].join(", ");
  return { path: null, reason: `no libnvrtc.so in ${where}` };
}

/** The path of an NVRTC library, or null (see nvrtcUnavailableReason). Looked up once. */
export function findNvrtc(): string | null {
  if (!found) found = probe();
  return found.path;
}

/** Why findNvrtc() is null ("" when the library was found). */
export function nvrtcUnavailableReason(): string {
  findNvrtc();
  return found!.reason;
}

/** The NVRTC library's path, or an Error saying NVRTC is not available (compile with nvcc instead). */
export function requireNvrtc(): string {
  const path = findNvrtc();
  if (!path) throw new Error(`NVRTC is not available: ${nvrtcUnavailableReason()}; compile kernels with nvcc (backends/cuda/nvcc.ts)`);
  return path;
}

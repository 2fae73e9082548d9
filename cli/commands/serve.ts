// `showo serve [--port 8080] [--host 127.0.0.1] [--limits portable|device|FILE.json] [--package DIR]`:
// the browser page (web/) with a compiled showo-shapes package and the shipped weights, over HTTP.
//
// The package is compiled at start-up (`showo compile showo-shapes --package`, for `portable`
// limits unless told otherwise, so any WebGPU adapter runs it) into a temporary folder removed on
// exit, or taken ready-made from --package DIR. The page is plain ES modules: web/app.ts has its
// types stripped once at start-up, and the package's dist/ is served as it is. Only GET and HEAD of
// the files below are answered; nothing else on disk is reachable.
//
//   /                  web/index.html          /app.js, /style.css   the page
//   /model.json        what the page shows about the model and where to load it from
//   /pkg/…             the compiled package     /weights/showo.safetensors, /weights/vq.safetensors

import type { Command } from "commander";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, relative, resolve, sep } from "node:path";
import { ts } from "ts-morph";
import { packageRoot } from "../../runtime/package-root.ts";
import { SHIPPED_DIR, weightsFor } from "../../runtime/weights/shipped.ts";
import { runCompile } from "./compile.ts";

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  /** portable, device or a limits JSON file (ignored with `package`). */
  readonly limits: string;
  /** A package compiled already (showo compile showo-shapes --package DIR). */
  readonly package?: string;
  /** Compile the T2I graphs for these P' only (showo compile --text-lens): fewer pipelines to build in the page. */
  readonly textLens?: readonly number[];
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port/ */
  readonly url: string;
  readonly packageDir: string;
  close(): Promise<void>;
}

const MODEL = "showo-shapes", VQ_MODEL = "magvit2-shapes";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".wgsl": "text/plain; charset=utf-8", ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8", ".safetensors": "application/octet-stream",
};

/** One line on the shipped weights and their held-out scores (weights/shapes/eval.json). */
function about(): string {
  const file = join(SHIPPED_DIR, "eval.json");
  const base = `Weights trained here on the shapes world (weights/shapes/MODEL_CARD.md).`;
  if (!existsSync(file)) return base;
  const e = JSON.parse(readFileSync(file, "utf8")) as {
    n?: number;
    t2i?: { guided?: { scores?: { all?: { overall?: { rate?: number } } } } };
    mmu?: { overall?: { rate?: number } };
  };
  const t2i = e.t2i?.guided?.scores?.all?.overall?.rate, mmu = e.mmu?.overall?.rate;
  const pct = (x: number | undefined) => (x === undefined ? "?" : `${Math.round(x * 100)}%`);
  return `${base} On held-out prompts ${pct(t2i)} of its pictures match every part of the prompt; it answers ${pct(mmu)} of held-out questions right.`;
}

/** web/app.ts as JavaScript (types stripped; the page's imports are the package's own .js). */
function pageScript(): string {
  const src = readFileSync(join(packageRoot(), "web", "app.ts"), "utf8");
  const out = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }, fileName: "app.ts", reportDiagnostics: true });
  if (out.diagnostics && out.diagnostics.length > 0) throw new Error(`web/app.ts: ${ts.flattenDiagnosticMessageText(out.diagnostics[0]!.messageText, "\n")}`);
  return out.outputText;
}

/** The file under `root` that `rel` names, or undefined when it escapes root or is not a file. */
function within(root: string, rel: string): string | undefined {
  const path = resolve(root, `.${sep}${rel}`);
  if (path !== root && !path.startsWith(root + sep)) return undefined;
  return existsSync(path) && statSync(path).isFile() ? path : undefined;
}

function checkPackage(dir: string): string {
  const abs = resolve(dir);
  for (const f of ["package.json", "dist/index.js"]) {
    if (!existsSync(join(abs, f))) throw new Error(`--package ${dir}: no ${f} there (make one with: showo compile ${MODEL} --target wgsl --package DIR)`);
  }
  return abs;
}

/** Starts the server; resolves once it listens. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const log = o.log ?? (() => {});
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port must be an integer in 0..65535, got ${o.port}`);
  // Everything that can fail before the (slow) compile: the weights, the page.
  const weights = { showo: weightsFor(MODEL, undefined, "--weights"), vq: weightsFor(VQ_MODEL, undefined, "--vq-weights") };
  const page = { "/": join(packageRoot(), "web", "index.html"), "/style.css": join(packageRoot(), "web", "style.css") };
  for (const f of Object.values(page)) if (!existsSync(f)) throw new Error(`the page's ${relative(packageRoot(), f)} is missing`);
  const script = pageScript();
  let packageDir: string, temp: string | undefined, limits: string;
  if (o.package !== undefined) {
    packageDir = checkPackage(o.package);
    limits = `the package's (${o.package})`;
  } else {
    temp = mkdtempSync(join(tmpdir(), "showo-serve-"));
    packageDir = join(temp, "pkg");
    log(`compiling ${MODEL} for ${o.limits} limits…`);
    await runCompile(MODEL, { target: "wgsl", out: "", package: packageDir, limits: o.limits, ...(o.textLens ? { textLens: o.textLens } : {}) }, () => {});
    limits = o.limits;
  }
  const info = JSON.stringify({
    model: MODEL, vqModel: VQ_MODEL, about: about(), limits,
    packageUrl: "/pkg/dist/index.js", weights: { showo: "/weights/showo.safetensors", vq: "/weights/vq.safetensors" },
  });

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const sendFile = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const size = statSync(path).size;
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "content-length": size, "cache-control": "no-cache" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(path).on("error", () => res.destroy()).pipe(res);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(req, res, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      send(req, res, 400, "text/plain; charset=utf-8", "bad path\n");
      return;
    }
    if (path === "/index.html") path = "/";
    const fixed = (page as Record<string, string>)[path];
    if (fixed) return sendFile(req, res, fixed);
    if (path === "/app.js") return send(req, res, 200, TYPES[".js"]!, script);
    if (path === "/model.json") return send(req, res, 200, TYPES[".json"]!, info);
    if (path === "/weights/showo.safetensors") return sendFile(req, res, weights.showo);
    if (path === "/weights/vq.safetensors") return sendFile(req, res, weights.vq);
    if (path.startsWith("/pkg/")) {
      const file = within(packageDir, path.slice("/pkg/".length));
      if (file) return sendFile(req, res, file);
    }
    send(req, res, 404, "text/plain; charset=utf-8", `not found: ${path}\n`);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      fail(new Error(e.code === "EADDRINUSE" ? `port ${o.port} on ${o.host} is in use: pick another with --port (0 picks a free one)` : `cannot listen on ${o.host}:${o.port}: ${e.message}`, { cause: e }));
    });
    server.listen(o.port, o.host, () => ok());
  }).catch((e: unknown) => {
    if (temp) rmSync(temp, { recursive: true, force: true });
    throw e;
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/`,
    packageDir,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => {
        if (temp) rmSync(temp, { recursive: true, force: true });
        ok();
      });
    }),
  };
}

export function register(program: Command): void {
  program.command("serve")
    .description("serve the browser page: showo-shapes compiled to a WebGPU package, with the shipped weights")
    .option("--port <n>", "port (0: any free one)", "8080")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--limits <which>", "portable (the WebGPU defaults: any adapter), device (this machine's), or a JSON file of limits", "portable")
    .option("--package <dir>", "serve this compiled package instead of compiling one")
    .option("--text-lens <list>", "compile the T2I graphs for these text lengths only (as showo compile --text-lens): the page builds fewer pipelines")
    .action(async (opts: { port: string; host: string; limits: string; package?: string; textLens?: string }) => {
      const port = Number(opts.port);
      if (opts.package !== undefined && opts.textLens !== undefined) throw new Error("--text-lens is for the package serve compiles; --package serves one compiled already");
      const textLens = opts.textLens?.split(",").map((v) => {
        const n = Number(v.trim());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--text-lens: '${v}' is not a positive integer`);
        return n;
      });
      const s = await startServer({ port, host: opts.host, limits: opts.limits, ...(opts.package !== undefined ? { package: opts.package } : {}), ...(textLens ? { textLens } : {}), log: (l) => console.log(l) });
      console.log(`serving ${MODEL} at ${s.url} (Ctrl-C stops)`);
      const stop = () => {
        void s.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}

/**
 * The browser half of `liber bench ctr`: bundles lib/bench/ctr-browser-worker.ts (esbuild),
 * serves it with the tfjs wasm binaries and GET /api/ctr/samples (the benchmark's synthetic
 * samples encoded and streamed by the same code as the app's route) from a tiny HTTP server
 * on a free 127.0.0.1 port, opens headless Chromium (the system Chromium at /usr/bin/chromium
 * with playwright.config.ts's flags, Playwright's own browser elsewhere) and runs the worker.
 * The page sends no COOP/COEP headers, like the app, so tfjs' wasm backend runs without
 * threads there as it does in the CTR Lab.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendName } from "../ctr/backend";
import { encodeDataset } from "../ctr/arrow";
import type { Backbone } from "../ctr/model";
import { arrowStreamResponse } from "../ctr/server/samples-stream";
import { freePort } from "../db/free-port";
import { CHROMIUM_ARGS, DEBIAN_CHROMIUM } from "./chromium";
import type { BrowserBenchReport, BrowserBenchRequest } from "./ctr-browser-worker";
import { benchDataset } from "./ctr-training";

export interface BrowserBenchOptions {
  backends: BackendName[];
  backbones: Backbone[];
  samples: number;
  batchSize: number;
  log?: (line: string) => void;
}

export type BrowserBenchResult = BrowserBenchReport & {
  browser: { executable: string; version: string; headless: true };
  machine: { cpus: number; loadAverageBefore: number[]; loadAverageAfter: number[] };
  samples: number;
  batchSize: number;
  seconds: number;
};

const load = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

async function bundleWorker(): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [path.join(path.dirname(fileURLToPath(import.meta.url)), "ctr-browser-worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
    // tfjs-backend-wasm's Node-only branches
    external: ["fs", "path", "worker_threads", "perf_hooks", "os", "crypto"],
  });
  return result.outputFiles[0]!.text;
}

export async function runBrowserCtrBench(options: BrowserBenchOptions): Promise<BrowserBenchResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const loadAverageBefore = load();
  const workerJs = await bundleWorker();
  log(`ctr bench (browser): worker bundle ${(workerJs.length / 1e6).toFixed(1)} MB`);
  const samplesBytes = encodeDataset(benchDataset(options.samples));
  const wasmDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")),
    "dist",
  );

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (url.pathname === "/") return send(200, "text/html", "<!doctype html><title>liber bench ctr</title>");
    if (url.pathname === "/favicon.ico") return send(204, "text/plain", "");
    if (url.pathname === "/worker.js") return send(200, "text/javascript", workerJs);
    const wasm = url.pathname.match(/^\/tfjs\/([\w.-]+\.wasm)$/);
    if (wasm) {
      const file = path.join(wasmDir, wasm[1]!);
      return fs.existsSync(file) ? send(200, "application/wasm", fs.readFileSync(file)) : send(404, "text/plain", "");
    }
    if (url.pathname === "/api/ctr/samples") {
      // the app route's response (chunks of 256 KB, Content-Length), written to the socket as it is pulled
      const response = arrowStreamResponse(samplesBytes);
      res.writeHead(200, Object.fromEntries(response.headers));
      void (async () => {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
        }
        res.end();
      })();
      return;
    }
    send(404, "text/plain", "");
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { chromium } = await import("@playwright/test");
  const executable = fs.existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : chromium.executablePath();
  const browser = await chromium.launch({ headless: true, executablePath: executable, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on("console", (m) => log(`ctr bench (browser console): ${m.text()}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    const request: BrowserBenchRequest = {
      backends: options.backends,
      backbones: options.backbones,
      samples: options.samples,
      batchSize: options.batchSize,
      wasmPath: "/tfjs/",
      samplesUrl: "/api/ctr/samples",
    };
    log(`ctr bench (browser): Chromium ${browser.version()}, ${options.backends.join(", ")}`);
    const outcome = await page.evaluate(
      (req) =>
        new Promise<{ ok: boolean; report?: unknown; error?: string }>((resolve) => {
          const worker = new Worker("/worker.js", { type: "module" });
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ ok: false, error: e.message || "worker error" });
          worker.postMessage(req);
        }),
      request,
    );
    if (!outcome.ok) throw new Error(`browser benchmark failed: ${outcome.error}`);
    const report = outcome.report as BrowserBenchReport;
    for (const line of report.log) log(`ctr bench (browser): ${line}`);
    return {
      ...report,
      browser: { executable, version: browser.version(), headless: true },
      machine: { cpus: os.cpus().length, loadAverageBefore, loadAverageAfter: load() },
      samples: options.samples,
      batchSize: options.batchSize,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

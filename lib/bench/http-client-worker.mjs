// The HTTP load generator of `liber bench ingest`, in a worker thread: clients are other
// processes in real use, so their work (fetch, JSON) must not share the server's event loop.
// Plain JavaScript with Node built-ins only: worker threads do not get the CLI's TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";

const { url, token, bodies, clients } = workerData;
const latencies = [];
let next = 0;
let accepted = 0;
let failure = null;
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    for (;;) {
      const k = next++;
      if (k >= bodies.length || failure !== null) return;
      const sent = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: bodies[k],
      });
      const json = await res.json();
      latencies.push(performance.now() - sent);
      if (res.status !== 200) {
        failure = `POST /api/behaviors over HTTP answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`;
        return;
      }
      accepted += json.accepted ?? 0;
    }
  }),
);
parentPort.postMessage({ accepted, latencies, durationMs: performance.now() - started, failure });

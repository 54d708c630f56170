import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** An app-router route handler (what `route()` in lib/api/route.ts returns). */
export type RouteHandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

export interface ServedRoute {
  /** http://127.0.0.1:<port> */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves ONE route handler on a loopback port with node's http server: the request crosses a
 * real socket (headers, chunked body, keep-alive) as it does under `next start`, without a
 * Next build. For tests and benchmarks of a handler over HTTP; not a production server.
 */
export async function serveRoute(handler: RouteHandler, opts: { method?: string } = {}): Promise<ServedRoute> {
  const { NextRequest } = await import("next/server");
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (opts.method && req.method !== opts.method) {
          res.writeHead(405).end();
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
        const hasBody = req.method !== "GET" && req.method !== "HEAD";
        const request = new NextRequest(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
          method: req.method,
          headers,
          ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
        } as ConstructorParameters<typeof NextRequest>[1]);
        const response = await handler(request, { params: Promise.resolve({}) });
        const body = Buffer.from(await response.arrayBuffer());
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => (out[k] = v));
        res.writeHead(response.status, { ...out, "content-length": String(body.length) }).end(body);
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String((err as Error)?.message ?? err));
      }
    })();
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Content-Security-Policy of the app. Pages get one per request from proxy.ts, with a fresh
 * nonce that Next.js reads from the request's CSP header and puts on its own inline and chunk
 * scripts ('strict-dynamic' then lets those load the rest). API answers are data, never
 * documents: they get API_CSP through next.config.js.
 */
export function pageCsp(nonce: string, dev = process.env.NODE_ENV === "development"): string {
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval': the tfjs wasm backend compiles WebAssembly; dev mode (React, HMR) needs eval.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${dev ? " 'unsafe-eval'" : ""}`,
    // React and the charts set style attributes, which no nonce can cover.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** 128 random bits, base64: a CSP nonce (Web Crypto, which the proxy runtime has). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

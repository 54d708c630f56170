// Browser side of the API contract in lib/auth/route.ts: every error body is
// { error: { code, message, details? } }, and the screens show that message as it is.

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/** GET a JSON endpoint; a non-2xx answer throws an ApiRequestError carrying the API's message. */
export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/json" }, ...init });
  } catch {
    throw new ApiRequestError(0, "network", "Could not reach the LIBER server: is it still running?");
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiRequestError(
      res.status,
      error?.code ?? "http_error",
      error?.message ?? `The server answered ${res.status} ${res.statusText || ""}`.trim() + ".",
      error?.details,
    );
  }
  return body as T;
}

/** A query string from defined, non-empty values, in insertion order. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : "";
}

/**
 * TanStack Query retry policy: a network or server failure is retried once; a 4xx answer
 * (not found, invalid input, signed out) would only fail again, so it shows at once.
 */
export function retryUnlessClientError(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

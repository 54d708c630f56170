import { z } from "zod";

/** A failure the caller can act on; anything else becomes a 500 with the message hidden. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Fields answered next to `error`, e.g. the per-event report of a refused ingest batch. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, "bad_request", message, details);
export const unauthorized = (message = "Sign in first.") => new ApiError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this.") => new ApiError(403, "forbidden", message);
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found.`);
export const conflict = (message: string) => new ApiError(409, "conflict", message);
export const payloadTooLarge = (message: string) => new ApiError(413, "payload_too_large", message);
export const unprocessable = (message: string, details?: unknown, extra?: Record<string, unknown>) =>
  new ApiError(422, "unprocessable", message, details, extra);

export function zodDetails(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

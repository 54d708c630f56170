/**
 * The settings that choose a CTR data set (partition config, label rule, date range, users), as
 * GET /api/ctr/samples and GET|POST /api/ctr/encoder both take them: one zod schema for the
 * routes, one mapping to the loader's options, one mapping of data errors to 422.
 */
import { z } from "zod";
import { unprocessable } from "../../api/errors";
import { parseLabelRule } from "../samples";
import { CtrDataError, type CutoffOptions } from "./samples-store";

export const ctrDataQuerySchema = z.object({
  config: z.string().trim().min(1).max(100).optional(),
  label: z.string().trim().min(1).max(200).default("rate>=4"),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** external ids, comma-separated */
  users: z.string().trim().max(20_000).optional(),
});

export type CtrDataQuery = z.infer<typeof ctrDataQuerySchema>;

export function cutoffOptions(query: CtrDataQuery): CutoffOptions {
  return {
    config: query.config,
    labelRule: parseLabelRule(query.label),
    from: query.from,
    to: query.to,
    users: query.users
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

/** Runs `work`, turning what is wrong with the requested data (or its label rule) into a 422. */
export async function asUnprocessable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CtrDataError || (err instanceof Error && /label rule/.test(err.message)))
      throw unprocessable(err.message);
    throw err;
  }
}

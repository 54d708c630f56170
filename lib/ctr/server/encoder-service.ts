/**
 * GET / POST /api/ctr/encoder: which UIF encoder the CTR Lab's samples would read for some
 * settings, and (editor) fitting a leak-free builtin one as of their validation cutoff. The
 * route parses with zod; this maps the query to loadCtrSamples' options and data errors to 422.
 */
import { unprocessable } from "../../api/errors";
import type { CtrEncoderFit, CtrEncoderStatus } from "../contract";
import { parseLabelRule } from "../samples";
import { ctrEncoderStatus, CtrDataError, fitCtrEncoder, type CutoffOptions } from "./samples-store";

/** The settings that decide the validation cutoff (the same names as GET /api/ctr/samples). */
export interface EncoderQuery {
  config?: string;
  label: string;
  from?: Date;
  to?: Date;
  users?: string;
}

function cutoffOptions(query: EncoderQuery): CutoffOptions {
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

async function asUnprocessable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CtrDataError || (err instanceof Error && /label rule/.test(err.message)))
      throw unprocessable(err.message);
    throw err;
  }
}

export function encoderStatusFor(query: EncoderQuery): Promise<CtrEncoderStatus> {
  return asUnprocessable(() => ctrEncoderStatus(cutoffOptions(query)));
}

export function fitEncoderFor(
  query: EncoderQuery,
  createdBy: string,
): Promise<{ fit: CtrEncoderFit; status: CtrEncoderStatus }> {
  return asUnprocessable(() => fitCtrEncoder(cutoffOptions(query), createdBy));
}

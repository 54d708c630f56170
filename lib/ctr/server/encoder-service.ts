/**
 * GET / POST /api/ctr/encoder: which UIF encoder the CTR Lab's samples would read for some
 * settings, and (editor) fitting a leak-free builtin one as of their validation cutoff. The
 * route parses with zod; this maps the query to loadCtrSamples' options and data errors to 422.
 */
import type { CtrEncoderFit, CtrEncoderStatus } from "../contract";
import { asUnprocessable, cutoffOptions, type CtrDataQuery } from "./query";
import { ctrEncoderStatus, fitCtrEncoder } from "./samples-store";

export function encoderStatusFor(query: CtrDataQuery): Promise<CtrEncoderStatus> {
  return asUnprocessable(() => ctrEncoderStatus(cutoffOptions(query)));
}

export function fitEncoderFor(
  query: CtrDataQuery,
  createdBy: string,
): Promise<{ fit: CtrEncoderFit; status: CtrEncoderStatus }> {
  return asUnprocessable(() => fitCtrEncoder(cutoffOptions(query), createdBy));
}

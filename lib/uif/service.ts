import { notFound } from "../api/errors";
import { pool } from "../db/client";
import type {
  EncodeResult,
  EncodersAction,
  FitResult,
  FusionConfigInfo,
  FusionConfigsResponse,
  FusionParams,
} from "./contract";
import {
  encodeMissing,
  ensureOpenAiEncoderVersion,
  findEncoderVersion,
  fitBuiltinVersion,
  resolveScope,
  type EncoderOverrides,
} from "./encoding";
import { fusionInfo } from "./features";
import { DEFAULT_FUSION } from "./fusion";
import { ensureFusionConfig, getEncoderVersion, listFusionConfigs } from "./store";

/** What POST /api/uif/encoders and `liber encode` call. */
export async function runEncodersAction(
  action:
    | { action: "fit"; asOf?: Date; dims?: number }
    | { action: "encode"; encoder?: number | "builtin" | "openai"; users?: string[] },
  createdBy: string | null,
  overrides: EncoderOverrides = {},
): Promise<FitResult | EncodeResult> {
  const scope = await resolveScope();
  if (action.action === "fit") {
    return fitBuiltinVersion({
      scope,
      createdBy,
      ...(action.asOf ? { asOf: action.asOf } : {}),
      ...(action.dims ? { dims: action.dims } : {}),
    });
  }
  let row =
    action.encoder === "openai"
      ? await ensureOpenAiEncoderVersion(overrides)
      : await findEncoderVersion(action.encoder ?? "builtin", null, overrides);
  if (!row) {
    // No builtin version yet: fit the first one on what is stored.
    const fitted = await fitBuiltinVersion({ scope, createdBy });
    row = await getEncoderVersion(fitted.encoder.id);
  }
  let userIds: number[] | null = null;
  if (action.users && action.users.length > 0) {
    const { rows } = await pool().query<{ id: number; external_id: string }>(
      `SELECT id, external_id FROM users WHERE external_id = ANY($1::text[])`,
      [action.users],
    );
    const missing = action.users.filter((u) => !rows.some((r) => r.external_id === u));
    if (missing.length > 0) throw notFound(`User ${missing[0]}`);
    userIds = rows.map((r) => r.id);
  }
  return encodeMissing(row!, { scope, userIds, createdBy }, overrides);
}

export type { EncodersAction };

export async function listFusions(): Promise<FusionConfigsResponse> {
  await ensureFusionConfig(DEFAULT_FUSION); // the default is always listed
  return { fusions: (await listFusionConfigs()).map(fusionInfo) };
}

export async function createFusion(
  params: FusionParams,
  createdBy: string | null,
  note: string | null,
): Promise<FusionConfigInfo> {
  return fusionInfo(await ensureFusionConfig(params, createdBy, note));
}

/** Type contracts of the CTR domain (types only). */

/** A UIF encoder version as the CTR samples see it. */
export interface CtrEncoderRef {
  id: number;
  kind: string;
  version: string;
  dims: number;
  /** ISO time: the encoder was fitted on texts of partitions sealed strictly before it (null: not fitted) */
  fittedUntil: string | null;
}

/** GET /api/ctr/encoder: which encoder the samples of some settings would read. */
export interface CtrEncoderStatus {
  configId: number;
  promptVersionId: number;
  /** the validation cutoff of these settings (ISO), null when there is none */
  validFrom: string | null;
  /** the encoder read without allowLateEncoder: fitted_until <= validFrom, with vectors; null if none */
  leakFree: CtrEncoderRef | null;
  /** when there is no leak-free one: the newest encoder with vectors that allowLateEncoder falls back to */
  late: CtrEncoderRef | null;
}

/** POST /api/ctr/encoder: the builtin version fitted (or found) as of the validation cutoff. */
export interface CtrEncoderFit {
  id: number;
  /** false when a stored version with the same content was reused */
  created: boolean;
  fittedUntil: string;
  /** summary texts encoded (or already encoded) under it */
  encoded: number;
}

import { createHash } from "node:crypto";
import { stableStringify, type SummariseParams } from "../llm";

/**
 * The cascade's identity chain (pure). A summary's input hash covers everything its answer
 * depends on: the prompt version, provider, model and parameters, the partition's content,
 * and, through the previous summary's input hash, everything before it. So a change anywhere
 * in a user's cascade changes the input hash of every later partition, and "is there a
 * summary for this input hash?" is the whole test for "does this partition need work?".
 */

export interface ChainSettings {
  /** "pv:<id>" for a saved prompt version, "draft:<sha>" for a playground draft. */
  promptIdentity: string;
  provider: string;
  model: string;
  params: SummariseParams;
}

export function promptIdentity(prompt: {
  id: number | null;
  system: string;
  userTemplate: string;
  behaviorOptions: unknown;
}): string {
  if (prompt.id !== null) return `pv:${prompt.id}`;
  const digest = createHash("sha256")
    .update(
      stableStringify({
        system: prompt.system,
        userTemplate: prompt.userTemplate,
        behaviorOptions: prompt.behaviorOptions,
      }),
    )
    .digest("hex");
  return `draft:${digest}`;
}

/** sha256(prompt version, provider, model, params, partition content hash, previous input hash or ""). */
export function summaryInputHash(
  settings: ChainSettings,
  partitionContentHash: string,
  previousInputHash: string,
): string {
  return createHash("sha256")
    .update(
      stableStringify({
        prompt: settings.promptIdentity,
        provider: settings.provider,
        model: settings.model,
        params: settings.params,
        partition: partitionContentHash,
        previous: previousInputHash,
      }),
    )
    .digest("hex");
}

/** The input hashes of a user's partitions in seq order, as the current settings define them. */
export function expectedChain(settings: ChainSettings, contentHashes: readonly string[]): string[] {
  const chain: string[] = [];
  let previous = "";
  for (const content of contentHashes) {
    previous = summaryInputHash(settings, content, previous);
    chain.push(previous);
  }
  return chain;
}

export interface StoredSummaryLink {
  inputHash: string;
  previousInputHash: string;
  partitionContentHash: string;
}

/**
 * Which shown summaries are stale. Summary k is stale when it was written for other content
 * than partition k now holds, when its recorded predecessor is not the summary shown for
 * k-1 (that one changed since), or when summary k-1 is itself stale or missing: the cascade
 * built k on top of something that no longer holds, so every later summary is affected.
 */
export function staleFlags(
  partitions: readonly { contentHash: string }[],
  shown: readonly (StoredSummaryLink | null)[],
): boolean[] {
  const flags: boolean[] = [];
  for (let k = 0; k < partitions.length; k++) {
    const row = shown[k] ?? null;
    if (!row) {
      flags.push(false);
      continue;
    }
    const previous = k === 0 ? null : (shown[k - 1] ?? null);
    const expectedPrevious = k === 0 ? "" : previous?.inputHash;
    flags.push(
      row.partitionContentHash !== partitions[k]!.contentHash ||
        row.previousInputHash !== expectedPrevious ||
        (k > 0 && flags[k - 1] === true),
    );
  }
  return flags;
}

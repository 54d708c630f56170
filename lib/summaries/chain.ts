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

/**
 * The input hashes of a user's partitions in seq order, as the current settings define them.
 * Byte for byte what summaryInputHash gives, but cheaper: the settings are serialised once (the
 * sorted JSON is cut around the two per-partition values), and the chains computed last are
 * remembered, so that a chain that only grew (a lifelong user's 1,000 partitions plus a new
 * one: GET summaries runs the whole chain on every call) hashes only what follows the longest
 * prefix of content hashes it shares with a remembered one. Remembered chains are keyed by
 * their content, so nothing needs invalidating.
 */
export function expectedChain(settings: ChainSettings, contentHashes: readonly string[]): string[] {
  const template = chainTemplate(settings);
  if (!template || contentHashes.length === 0) return slowChain(settings, contentHashes);
  const key = `${template.join("\u0000")}\u0000${contentHashes[0]}`;
  const known = rememberedChains.get(key);
  let shared = 0;
  if (known) {
    const max = Math.min(known.contents.length, contentHashes.length);
    while (shared < max && known.contents[shared] === contentHashes[shared]) shared++;
  }
  const chain = known ? known.chain.slice(0, shared) : [];
  let previous = shared > 0 ? chain[shared - 1]! : "";
  for (let k = shared; k < contentHashes.length; k++) {
    previous = createHash("sha256")
      .update(template[0] + JSON.stringify(contentHashes[k]) + template[1] + JSON.stringify(previous) + template[2])
      .digest("hex");
    chain.push(previous);
  }
  rememberedChains.delete(key); // re-inserted last: the Map's order is the LRU order
  rememberedChains.set(key, { contents: [...contentHashes], chain });
  if (rememberedChains.size > REMEMBERED_CHAINS) rememberedChains.delete(rememberedChains.keys().next().value!);
  return [...chain];
}

/** Chains remembered by expectedChain (LRU; a 1,000-partition chain is ~200 KB). */
const REMEMBERED_CHAINS = 64;
const rememberedChains = new Map<string, { contents: string[]; chain: string[] }>();

function slowChain(settings: ChainSettings, contentHashes: readonly string[]): string[] {
  const chain: string[] = [];
  let previous = "";
  for (const content of contentHashes) {
    previous = summaryInputHash(settings, content, previous);
    chain.push(previous);
  }
  return chain;
}

const PARTITION_MARK = "\u0001liber-chain-partition\u0001";
const PREVIOUS_MARK = "\u0001liber-chain-previous\u0001";

/**
 * summaryInputHash's material with the partition and previous values cut out: [before the
 * partition, between the two, after the previous]. Null (use summaryInputHash) unless each
 * mark occurs exactly once, partition first, as the sorted keys put them.
 */
function chainTemplate(settings: ChainSettings): [string, string, string] | null {
  const json = stableStringify({
    prompt: settings.promptIdentity,
    provider: settings.provider,
    model: settings.model,
    params: settings.params,
    partition: PARTITION_MARK,
    previous: PREVIOUS_MARK,
  });
  const p = JSON.stringify(PARTITION_MARK);
  const q = JSON.stringify(PREVIOUS_MARK);
  const parts = json.split(p);
  if (parts.length !== 2) return null;
  const rest = parts[1]!.split(q);
  if (rest.length !== 2 || parts[0]!.includes(q)) return null;
  return [parts[0]!, rest[0]!, rest[1]!];
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

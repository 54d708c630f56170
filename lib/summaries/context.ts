import type { BehaviorItem, PreviousSummary, SummariseContext } from "../llm";

/**
 * Builds what one cascade step is about (pure): the user's profile (attributes plus a few
 * facts derived from the partitions before this one, so they are fixed by the cascade's
 * chain), the previous summary and this partition's behaviours as item text.
 */

export interface PartitionRecord {
  seq: number;
  contentHash: string;
  /** Epoch ms. */
  startTs: number;
  endTs: number;
  count: number;
}

export interface BehaviorRecord {
  /** Epoch ms. */
  ts: number;
  kind: string;
  value: number | null;
  /** Free text of the event (e.g. the tag a user applied). */
  text: string | null;
  title: string;
  categories: string[];
}

const TEXT_MAX_CHARS = 60;
const isoDate = (ts: number) => new Date(ts).toISOString().slice(0, 10);

/** Scalar attributes only: nested objects would render as "[object Object]". */
function scalarAttributes(attributes: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) return out;
  for (const [key, value] of Object.entries(attributes as Record<string, unknown>)) {
    if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) out[key] = value;
    else if (typeof value === "boolean") out[key] = String(value);
  }
  return out;
}

export function partitionProfile(
  attributes: unknown,
  partitions: readonly PartitionRecord[],
  index: number,
): Record<string, string | number> {
  let earlierBehaviours = 0;
  for (let i = 0; i < index; i++) earlierBehaviours += partitions[i]!.count;
  return {
    ...scalarAttributes(attributes),
    "logged since": partitions[0] ? isoDate(partitions[0].startTs) : "-",
    "earlier partitions": index,
    "earlier behaviours": earlierBehaviours,
  };
}

/** An event's item text; its own text (a tag) goes with the kind, so titles stay titles. */
export function behaviorItem(b: BehaviorRecord): BehaviorItem {
  const text = b.text?.trim();
  const shortText = text && text.length > TEXT_MAX_CHARS ? `${text.slice(0, TEXT_MAX_CHARS - 1)}…` : text;
  return {
    title: b.title,
    categories: b.categories,
    ts: b.ts,
    kind: shortText ? `${b.kind}: ${shortText}` : b.kind,
    value: b.value,
  };
}

export function stepContext(input: {
  attributes: unknown;
  partitions: readonly PartitionRecord[];
  index: number;
  behaviors: readonly BehaviorRecord[];
  previous: PreviousSummary | null;
}): SummariseContext {
  const partition = input.partitions[input.index]!;
  return {
    profile: partitionProfile(input.attributes, input.partitions, input.index),
    previous: input.previous,
    behaviors: input.behaviors.map(behaviorItem),
    timeRange: { start: partition.startTs, end: partition.endTs },
    partitionIndex: partition.seq,
  };
}

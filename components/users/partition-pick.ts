// The partition picked on a user's page, shared by the timeline (a band, the open cache
// included) and the cascade below it (a card per sealed partition), so each follows the other.

export interface PartitionPick {
  seq: number;
  /** The open cache: it has a band but no cascade card. */
  open: boolean;
}

/** Picking the picked partition again unpicks it (a band clicked twice closes its behaviours). */
export function togglePick(prev: PartitionPick | null, next: PartitionPick): PartitionPick | null {
  return prev && prev.seq === next.seq && prev.open === next.open ? null : next;
}

/** The card to outline: none for the open cache, which is not summarised. */
export function cascadeSeqOf(pick: PartitionPick | null): number | null {
  return pick && !pick.open ? pick.seq : null;
}

/** A cascade card reports its sealed partition's seq, or null when clicked again. */
export function pickFromCascade(seq: number | null): PartitionPick | null {
  return seq === null ? null : { seq, open: false };
}

import { db } from "../db/client";
import { findUserId } from "./profile";
import type { BehaviorPageQuery } from "./schemas";
import type { BehaviorPage } from "./contract";

/**
 * One page of a user's behaviour log, newest first (ties broken by id, so pages never
 * overlap), with the item's title and categories. Null for an unknown external id.
 */
export async function listUserBehaviors(externalId: string, query: BehaviorPageQuery): Promise<BehaviorPage | null> {
  const userId = await findUserId(externalId);
  if (userId === null) return null;
  const { page, pageSize } = query;
  const [rows, total] = await Promise.all([
    db().behavior.findMany({
      where: { userId },
      orderBy: [{ ts: "desc" }, { id: "desc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        id: true,
        ts: true,
        kind: true,
        value: true,
        source: true,
        item: { select: { id: true, externalId: true, title: true, categories: true } },
      },
    }),
    db().behavior.count({ where: { userId } }),
  ]);
  return {
    behaviors: rows.map((b) => ({
      // Prisma reads int8 as bigint, which JSON cannot carry; ids stay far below 2^53.
      id: Number(b.id),
      ts: b.ts.toISOString(),
      kind: b.kind,
      value: b.value,
      source: b.source,
      item: b.item,
    })),
    total,
    page,
    pageSize,
  };
}

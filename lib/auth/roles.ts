export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** viewer < editor < admin: each role can do everything the one before it can. */
export function roleAllows(have: Role, need: Role): boolean {
  return rank[have] >= rank[need];
}

import type pg from "pg";
import { notFound, unprocessable } from "../api/errors";
import { pool } from "../db/client";
import { partitionConfigSchema, type PartitionConfig } from "../liber/ubsp";
import { CONFIG_NAME_PATTERN } from "./schemas";
import type { ConfigChange, PartitionConfigRef, PartitionConfigView } from "./contract";

/**
 * Versioned UBSP configs (partition_configs) and their movable labels (partition_config_labels).
 * A version never changes once written: changing thresholds writes the next version of the
 * name. The "active" label marks the version that ingestion advances.
 */

/** Anything that runs a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, "query">;

export const ACTIVE_LABEL = "active";

const DAY_MS = 86_400_000;

/** What ingestion starts with when no version is active: K = 50, or a 90-day silence. */
export const DEFAULT_CONFIG_NAME = "default";
export const DEFAULT_CONFIG: PartitionConfig = partitionConfigSchema.parse({ maxCount: 50, maxGapMs: 90 * DAY_MS });

interface ConfigRow {
  id: number;
  name: string;
  version: number;
  config: unknown;
  note: string | null;
  created_at: Date;
  labels: string[];
  partition_count: number;
  user_count: number;
}

const VIEW_COLUMNS = `c.id, c.name, c.version, c.config, c.note, c.created_at,
  coalesce((SELECT array_agg(l.label ORDER BY l.label) FROM partition_config_labels l WHERE l.config_id = c.id), '{}') AS labels,
  (SELECT count(*) FROM partitions p WHERE p.config_id = c.id)::int AS partition_count,
  (SELECT count(*) FROM partition_states s WHERE s.config_id = c.id)::int AS user_count`;

function toView(r: ConfigRow): PartitionConfigView {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    config: r.config as PartitionConfig,
    note: r.note,
    createdAt: r.created_at.toISOString(),
    labels: r.labels,
    partitionCount: r.partition_count,
    userCount: r.user_count,
  };
}

/** Every version, newest first. */
export async function listConfigs(q: Queryable = pool()): Promise<PartitionConfigView[]> {
  const { rows } = await q.query<ConfigRow>(
    `SELECT ${VIEW_COLUMNS} FROM partition_configs c ORDER BY c.created_at DESC, c.id DESC`,
  );
  return rows.map(toView);
}

/**
 * The id a reference names, or null: "12" (id), "default@3" (name@version) or a label such as
 * "active".
 */
export async function resolveConfigId(ref: string | number, q: Queryable = pool()): Promise<number | null> {
  const text = String(ref).trim();
  if (/^\d{1,10}$/.test(text)) {
    if (Number(text) > 2_147_483_647) return null; // past int4: no such id (and no database error)
    const { rows } = await q.query<{ id: number }>(`SELECT id FROM partition_configs WHERE id = $1`, [Number(text)]);
    return rows[0]?.id ?? null;
  }
  const at = /^([^@]+)@(\d{1,9})$/.exec(text);
  if (at) {
    const { rows } = await q.query<{ id: number }>(
      `SELECT id FROM partition_configs WHERE name = $1 AND version = $2`,
      [at[1], Number(at[2])],
    );
    return rows[0]?.id ?? null;
  }
  const { rows } = await q.query<{ config_id: number }>(
    `SELECT config_id FROM partition_config_labels WHERE label = $1`,
    [text],
  );
  return rows[0]?.config_id ?? null;
}

/** The version a reference names, or null. */
export async function getConfig(ref: string | number, q: Queryable = pool()): Promise<PartitionConfigView | null> {
  const id = await resolveConfigId(ref, q);
  if (id === null) return null;
  const { rows } = await q.query<ConfigRow>(`SELECT ${VIEW_COLUMNS} FROM partition_configs c WHERE c.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/** Like getConfig, but a missing version is a 404 for the API and a message for the CLI. */
export async function requireConfig(ref: string | number, q: Queryable = pool()): Promise<PartitionConfigView> {
  const config = await getConfig(ref, q);
  if (!config) throw notFound(`Partition config "${ref}"`);
  return config;
}

/**
 * What a user's partitions need of a version (id, name, version, config): one query, without
 * the counts getConfig adds (those count every partition and state of the version, i.e. work
 * that grows with all users, on each GET of one user's partitions). A missing version is a
 * 404, like requireConfig; references resolve as in resolveConfigId.
 */
export async function requireConfigRef(ref: string | number, q: Queryable = pool()): Promise<PartitionConfigRef> {
  const text = String(ref).trim();
  const columns = "c.id, c.name, c.version, c.config";
  const at = /^([^@]+)@(\d{1,9})$/.exec(text);
  let rows: PartitionConfigRef[];
  if (/^\d{1,10}$/.test(text)) {
    rows =
      Number(text) > 2_147_483_647 // past int4: no such id (and no database error)
        ? []
        : (
            await q.query<PartitionConfigRef>(`SELECT ${columns} FROM partition_configs c WHERE c.id = $1`, [
              Number(text),
            ])
          ).rows;
  } else if (at) {
    rows = (
      await q.query<PartitionConfigRef>(
        `SELECT ${columns} FROM partition_configs c WHERE c.name = $1 AND c.version = $2`,
        [at[1], Number(at[2])],
      )
    ).rows;
  } else {
    rows = (
      await q.query<PartitionConfigRef>(
        `SELECT ${columns} FROM partition_configs c JOIN partition_config_labels l ON l.config_id = c.id WHERE l.label = $1`,
        [text],
      )
    ).rows;
  }
  if (!rows[0]) throw notFound(`Partition config "${ref}"`);
  return rows[0];
}

export function configRef(c: Pick<PartitionConfigView, "id" | "name" | "version" | "config">): PartitionConfigRef {
  return { id: c.id, name: c.name, version: c.version, config: c.config };
}

const UNIQUE_VIOLATION = "23505";

/** Writes the next version of `name` (1 for a new name). Versions are never modified. */
export async function createConfigVersion(input: {
  name: string;
  config: PartitionConfig;
  note?: string | null;
  createdById?: number | null;
}): Promise<PartitionConfigView> {
  if (!CONFIG_NAME_PATTERN.test(input.name))
    throw unprocessable(`Invalid config name "${input.name}": use 1-64 characters a-z, 0-9, _ or -.`);
  const config = partitionConfigSchema.parse(input.config);
  // Two writers may pick the same next version: the unique (name, version) index stops one, which retries.
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await pool().query<{ id: number }>(
        `INSERT INTO partition_configs (name, version, config, note, created_by_id)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM partition_configs WHERE name = $1
         RETURNING id`,
        [input.name, JSON.stringify(config), input.note ?? null, input.createdById ?? null],
      );
      return (await getConfig(rows[0]!.id))!;
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 5) throw err;
    }
  }
}

/** Points `label` at the version `ref` names (creating the label if needed). */
export async function setLabel(
  ref: string | number,
  label: string,
  q: Queryable = pool(),
): Promise<PartitionConfigView> {
  const id = await resolveConfigId(ref, q);
  if (id === null) throw notFound(`Partition config "${ref}"`);
  await q.query(
    `INSERT INTO partition_config_labels (label, config_id, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (label) DO UPDATE SET config_id = EXCLUDED.config_id, updated_at = now()`,
    [label, id],
  );
  return (await getConfig(id, q))!;
}

/** Makes `ref` the version that ingestion advances. */
export function activateConfig(ref: string | number): Promise<PartitionConfigView> {
  return setLabel(ref, ACTIVE_LABEL);
}

/**
 * The active version; when no version is labelled active yet, creates "default@1"
 * (DEFAULT_CONFIG) if needed and labels it. Safe under concurrent callers (the losing insert
 * waits for the winner and then reads its row).
 */
export async function ensureActiveConfig(q: Queryable): Promise<{ id: number; config: PartitionConfig }> {
  const active = await readActive(q);
  if (active) return active;
  await q.query(
    `INSERT INTO partition_configs (name, version, config, note) VALUES ($1, 1, $2, $3)
     ON CONFLICT (name, version) DO NOTHING`,
    [DEFAULT_CONFIG_NAME, JSON.stringify(DEFAULT_CONFIG), "created automatically: no version was active"],
  );
  await q.query(
    `INSERT INTO partition_config_labels (label, config_id)
     SELECT $1, id FROM partition_configs WHERE name = $2 AND version = 1
     ON CONFLICT (label) DO NOTHING`,
    [ACTIVE_LABEL, DEFAULT_CONFIG_NAME],
  );
  const created = await readActive(q);
  if (!created) throw new Error("could not create the default partition config");
  return created;
}

async function readActive(q: Queryable): Promise<{ id: number; config: PartitionConfig } | null> {
  const { rows } = await q.query<{ id: number; config: PartitionConfig }>(
    `SELECT c.id, c.config FROM partition_config_labels l JOIN partition_configs c ON c.id = l.config_id WHERE l.label = $1`,
    [ACTIVE_LABEL],
  );
  return rows[0] ?? null;
}

/** The config's rules as flat fields, for diffs. */
const CONFIG_FIELDS = ["maxCount", "minCount", "maxGapMs", "maxSpanMs", "drift.threshold", "drift.minSize"] as const;

function fieldValue(config: PartitionConfig, field: (typeof CONFIG_FIELDS)[number]): number | null {
  switch (field) {
    case "drift.threshold":
      return config.drift?.threshold ?? null;
    case "drift.minSize":
      return config.drift?.minSize ?? null;
    default:
      return config[field] ?? null;
  }
}

/** Rule by rule, what differs between two configs (null: the rule is off). */
export function configChanges(a: PartitionConfig, b: PartitionConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const field of CONFIG_FIELDS) {
    const va = fieldValue(a, field);
    const vb = fieldValue(b, field);
    if (va !== vb) changes.push({ field, a: va, b: vb });
  }
  return changes;
}

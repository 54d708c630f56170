import { pool } from "../db/client";

// Small, explicit data sets for the users integration tests: behaviours are written with
// SQL and the denormalised counters recomputed from them, as ingestion maintains them.

export interface FixtureBehavior {
  user: string;
  item: string;
  ts: string;
  kind?: string;
  value?: number | null;
}

export interface FixtureItem {
  externalId: string;
  title: string;
  categories?: string[];
}

export async function insertFixture(data: {
  users: Array<{ externalId: string; attributes?: Record<string, unknown> }>;
  items: FixtureItem[];
  behaviors: FixtureBehavior[];
}): Promise<void> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    for (const u of data.users) {
      await client.query(`INSERT INTO users (external_id, attributes) VALUES ($1, $2)`, [
        u.externalId,
        JSON.stringify(u.attributes ?? {}),
      ]);
    }
    for (const i of data.items) {
      await client.query(`INSERT INTO items (external_id, title, categories) VALUES ($1, $2, $3)`, [
        i.externalId,
        i.title,
        i.categories ?? [],
      ]);
    }
    for (const b of data.behaviors) {
      await client.query(
        `INSERT INTO behaviors (user_id, item_id, ts, kind, value, source, source_event_id)
         SELECT u.id, i.id, $3, $4, $5, 'test', $6
           FROM users u, items i WHERE u.external_id = $1 AND i.external_id = $2`,
        [b.user, b.item, b.ts, b.kind ?? "rating", b.value === undefined ? 4 : b.value, `${b.user}/${b.item}/${b.ts}`],
      );
    }
    await client.query(
      `UPDATE users u SET event_count = s.n, first_event_at = s.first, last_event_at = s.last
         FROM (SELECT user_id, count(*)::int AS n, min(ts) AS first, max(ts) AS last FROM behaviors GROUP BY user_id) s
        WHERE s.user_id = u.id`,
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The shared example: six users with different shapes of activity.
 * "10": 5 events over Jan-Apr 2018 (Feb empty), one a click; two share a timestamp.
 * "alice": 3 daily events; "1": 2 events; "2" and "al_ice": 1 event; "zero": none.
 */
export const EXAMPLE = {
  users: [
    { externalId: "1" },
    { externalId: "2" },
    { externalId: "10", attributes: { age: 25, gender: "F", occupation: "writer" } },
    { externalId: "alice" },
    { externalId: "al_ice" },
    { externalId: "zero" },
  ],
  items: [
    { externalId: "m1", title: "Toy Story (1995)", categories: ["Animation", "Children"] },
    { externalId: "m2", title: "Heat (1995)", categories: ["Action", "Crime"] },
    { externalId: "m3", title: "<script>alert(1)</script>", categories: [] },
  ],
  behaviors: [
    { user: "1", item: "m1", ts: "2020-01-10T12:00:00Z", value: 4 },
    { user: "1", item: "m2", ts: "2020-01-20T12:00:00Z", value: 5 },
    { user: "2", item: "m1", ts: "2019-06-01T00:00:00Z", value: 3 },
    { user: "10", item: "m1", ts: "2018-01-05T08:00:00Z", value: 4 },
    { user: "10", item: "m2", ts: "2018-01-06T08:00:00Z", kind: "click", value: null },
    { user: "10", item: "m3", ts: "2018-03-15T10:00:00Z", value: 2 },
    { user: "10", item: "m2", ts: "2018-03-15T10:00:00Z", value: 5 },
    { user: "10", item: "m1", ts: "2018-04-30T23:59:59Z", value: 3 },
    { user: "alice", item: "m1", ts: "2021-05-01T09:00:00Z", value: 1 },
    { user: "alice", item: "m2", ts: "2021-05-02T09:00:00Z", value: 2 },
    { user: "alice", item: "m3", ts: "2021-05-03T09:00:00Z", value: 3 },
    { user: "al_ice", item: "m1", ts: "2022-01-01T00:00:00Z", value: 5 },
  ] satisfies FixtureBehavior[],
};

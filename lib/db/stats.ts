import { pool } from "./client";

export interface DatasetStats {
  users: number;
  items: number;
  behaviors: number;
}

export async function datasetStats(): Promise<DatasetStats> {
  const { rows } = await pool().query<DatasetStats>(
    `SELECT (SELECT count(*) FROM users)::int AS users,
            (SELECT count(*) FROM items)::int AS items,
            (SELECT count(*) FROM behaviors)::int AS behaviors`,
  );
  return rows[0]!;
}

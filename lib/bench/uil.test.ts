import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runUilBench } from "./uil";

// A small MovieLens-shaped stream: 3 users, several events a day on some days.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uil-bench-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const K = 5;
const DAY_S = 86_400;
const counts: Record<string, number> = { "1": 23, "2": 11, "3": 4 };
const ratings: string[] = ["userId,movieId,rating,timestamp"];
const days = new Set<string>();
for (const [user, n] of Object.entries(counts)) {
  for (let k = 0; k < n; k++) {
    const day = Math.floor(k / 3) * (Number(user) + 1); // three events a day, days spaced per user
    const ts = 946_684_800 + day * DAY_S + k * 60;
    ratings.push(`${user},${1 + (k % 4)},${1 + (k % 5)}.5,${ts}`);
    days.add(`${user}:${Math.floor(ts / DAY_S)}`);
  }
}
fs.writeFileSync(path.join(dir, "ratings.csv"), `${ratings.join("\n")}\n`);
fs.writeFileSync(
  path.join(dir, "movies.csv"),
  'movieId,title,genres\n1,Toy Story (1995),Animation|Children\n2,"American President, The (1995)",Comedy|Drama|Romance\n3,Heat (1995),Action|Crime\n4,Nameless,(no genres listed)\n',
);
fs.writeFileSync(path.join(dir, "tags.csv"), "userId,movieId,tag,timestamp\n");

describe("runUilBench", () => {
  it("summarises each sealed partition once, re-reads at every update, and prices full re-reads exactly", () => {
    const r = runUilBench({ dataset: dir, maxCount: K, verifyEvery: 1 });
    const sealed = Object.values(counts).reduce((s, n) => s + Math.floor(n / K), 0);
    expect(r).toMatchObject({ events: 38, users: 3, sealedPartitions: sealed, updates: days.size });
    expect(r.incremental.calls).toBe(sealed);
    expect(r.fullReread.calls).toBe(days.size);
    expect(r.verification).toEqual({ samples: days.size, exact: days.size, maxAbsDifference: 0 });
    expect(r.incremental.promptTokens).toBeGreaterThan(0);
    expect(r.ratio.promptTokens).toBeCloseTo(r.fullReread.promptTokens / r.incremental.promptTokens, 1);
  });
});

import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as activate } from "../../app/api/partition-configs/[id]/activate/route";
import { POST as recompute } from "../../app/api/partition-configs/[id]/recompute/route";
import { GET as getConfigRoute } from "../../app/api/partition-configs/[id]/route";
import { GET as diffRoute } from "../../app/api/partition-configs/diff/route";
import { POST as previewRoute } from "../../app/api/partition-configs/preview/route";
import { GET as listConfigsRoute, POST as createConfigRoute } from "../../app/api/partition-configs/route";
import { GET as partitionBehaviorsRoute } from "../../app/api/users/[id]/partitions/[seq]/behaviors/route";
import { GET as userPartitionsRoute } from "../../app/api/users/[id]/partitions/route";
import { useTestDatabase } from "../../test/db";
import { createApiToken } from "../auth/api-tokens";
import { pool } from "../db/client";
import { diffPartitions, estimateSummarisationWork, replay, type Partition } from "../liber/ubsp";
import { DEFAULT_PRICING } from "./schemas";
import {
  ingest,
  insertItems,
  movieLensSample,
  plain,
  storedMembers,
  storedPartitions,
  userIdOf,
  userLog,
} from "./test-helpers";
import type { PartitionConfigView } from "./contract";
import { partitionView } from "./views";

useTestDatabase();

const ORIGIN = "http://127.0.0.1:3000";
const USERS = ["11", "12", "13", "14", "15"];
let editor = "";
let viewer = "";

beforeAll(async () => {
  editor = `Bearer ${(await createApiToken({ name: "partitions-editor", role: "editor", createdById: null })).token}`;
  viewer = `Bearer ${(await createApiToken({ name: "partitions-viewer", role: "viewer", createdById: null })).token}`;
  const { events, items } = movieLensSample(USERS);
  await insertItems(items);
  for (let i = 0; i < events.length; i += 97) await ingest(events.slice(i, i + 97));
});

type Json = Record<string, any>;
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(
  handler: Handler,
  url: string,
  opts: { method?: string; body?: unknown; auth?: string; params?: Record<string, string> } = {},
) {
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  const req = new NextRequest(`${ORIGIN}${url}`, {
    method,
    headers: {
      authorization: opts.auth ?? editor,
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  return { status: res.status, body: (await res.json()) as Json };
}

const create = (name: string, config: unknown, note?: string) =>
  call(createConfigRoute as Handler, "/api/partition-configs", { body: { name, config, ...(note ? { note } : {}) } });

describe("config versions and labels", () => {
  it("lists the default version that ingestion created, active, with what is stored for it", async () => {
    const { status, body } = await call(listConfigsRoute as Handler, "/api/partition-configs", { auth: viewer });
    expect(status).toBe(200);
    expect(body.configs).toHaveLength(1);
    const [c] = body.configs as PartitionConfigView[];
    const partitions = (await pool().query(`SELECT count(*)::int AS n FROM partitions`)).rows[0].n;
    expect(c).toMatchObject({
      name: "default",
      version: 1,
      labels: ["active"],
      userCount: USERS.length,
      partitionCount: partitions,
      note: expect.any(String),
    });
    expect(partitions).toBeGreaterThan(2);
    expect(Date.parse(c!.createdAt)).not.toBeNaN();
  });

  it("creates immutable versions, numbered per name, newest first", async () => {
    const a = await create("k20", { maxCount: 20 }, "smaller partitions");
    expect(a.status).toBe(201);
    expect(a.body.config).toMatchObject({
      name: "k20",
      version: 1,
      config: { maxCount: 20 },
      note: "smaller partitions",
      labels: [],
      partitionCount: 0,
      userCount: 0,
    });
    const b = await create("k20", { maxCount: 20, maxGapMs: 86_400_000 });
    expect(b.body.config).toMatchObject({ name: "k20", version: 2 });
    const list = (await call(listConfigsRoute as Handler, "/api/partition-configs")).body
      .configs as PartitionConfigView[];
    expect(list.map((c) => `${c.name}@${c.version}`)).toEqual(["k20@2", "k20@1", "default@1"]);
    // The first version is untouched.
    expect(
      (await call(getConfigRoute as Handler, "/api/partition-configs/k20@1", { params: { id: "k20@1" }, auth: viewer }))
        .body.config.config,
    ).toEqual({ maxCount: 20 });
  });

  it("refuses invalid names and configs with 422 and the zod details, and viewers with 403", async () => {
    const badName = await create("Bad Name", { maxCount: 5 });
    expect(badName.status).toBe(422);
    expect(badName.body.error.details.map((d: { path: string }) => d.path)).toContain("name");
    const noRule = await create("norule", { minCount: 3 });
    expect(noRule.status).toBe(422);
    expect(JSON.stringify(noRule.body.error.details)).toMatch(/at least one sealing rule/);
    const typo = await create("typo", { maxCont: 5 });
    expect(typo.status).toBe(422);
    const asViewer = await call(createConfigRoute as Handler, "/api/partition-configs", {
      body: { name: "v", config: { maxCount: 5 } },
      auth: viewer,
    });
    expect(asViewer.status).toBe(403);
  });

  it("finds a version by id, name@version or label; 404 otherwise", async () => {
    const byLabel = await call(getConfigRoute as Handler, "/api/partition-configs/active", {
      params: { id: "active" },
    });
    const byId = await call(getConfigRoute as Handler, `/api/partition-configs/${byLabel.body.config.id}`, {
      params: { id: String(byLabel.body.config.id) },
    });
    expect(byId.body).toEqual(byLabel.body);
    expect(byLabel.body.config).toMatchObject({ name: "default", version: 1 });
    for (const id of ["999999", "default@9", "nolabel"]) {
      expect((await call(getConfigRoute as Handler, `/api/partition-configs/${id}`, { params: { id } })).status).toBe(
        404,
      );
    }
  });
});

describe("recompute, activate, diff", () => {
  it("recomputes a version from the log: what replay() gives, for every user or the ones named", async () => {
    const some = await call(recompute as Handler, "/api/partition-configs/k20@1/recompute", {
      params: { id: "k20@1" },
      body: { users: ["ml11", "ml12"] },
    });
    expect(some.status).toBe(200);
    const k20 = (await call(getConfigRoute as Handler, "/api/partition-configs/k20@1", { params: { id: "k20@1" } }))
      .body.config;
    expect(some.body).toMatchObject({
      users: 2,
      events: (await userLog(await userIdOf("ml11"))).length + (await userLog(await userIdOf("ml12"))).length,
    });
    expect(k20.userCount).toBe(2);

    const all = await call(recompute as Handler, "/api/partition-configs/k20@1/recompute", {
      params: { id: "k20@1" },
      body: {},
    });
    expect(all.status).toBe(200);
    expect(Object.keys(all.body).sort()).toEqual(["durationMs", "events", "partitions", "users"]);
    let partitions = 0;
    for (const u of USERS) {
      const userId = await userIdOf(`ml${u}`);
      const expected = replay({ maxCount: 20 }, await userLog(userId));
      expect(await storedPartitions(userId, k20.id)).toEqual(plain(expected.sealed));
      partitions += expected.sealed.length;
    }
    expect(all.body).toMatchObject({ users: USERS.length, partitions });

    const unknown = await call(recompute as Handler, "/api/partition-configs/k20@1/recompute", {
      params: { id: "k20@1" },
      body: { users: ["nobody"] },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/nobody/);
  });

  it("compares two versions: rule changes, and stored partitions by content hash across users", async () => {
    const { status, body } = await call(diffRoute as Handler, "/api/partition-configs/diff?a=default@1&b=k20@1", {
      auth: viewer,
    });
    expect(status).toBe(200);
    expect(body.a).toMatchObject({ name: "default", version: 1 });
    expect(body.b).toMatchObject({ name: "k20", version: 1 });
    expect(body.changes).toEqual([
      { field: "maxCount", a: 50, b: 20 },
      { field: "maxGapMs", a: 90 * 86_400_000, b: null },
    ]);
    const hashes = async (id: number) =>
      (
        await pool().query<{ contentHash: string }>(
          `SELECT content_hash AS "contentHash" FROM partitions WHERE config_id = $1`,
          [id],
        )
      ).rows;
    expect(body.partitions).toEqual(diffPartitions(await hashes(body.a.id), await hashes(body.b.id)));
    expect(body.partitions.shared + body.partitions.onlyInB).toBeGreaterThan(0);
    // Against itself everything is shared.
    const self = await call(diffRoute as Handler, "/api/partition-configs/diff?a=k20@1&b=k20@1");
    expect(self.body.changes).toEqual([]);
    expect(self.body.partitions).toMatchObject({ onlyInA: 0, onlyInB: 0 });
    expect((await call(diffRoute as Handler, "/api/partition-configs/diff?a=k20@1")).status).toBe(422);
  });

  it("moves the active label; ingestion then advances the newly active version", async () => {
    const moved = await call(activate as Handler, "/api/partition-configs/k20@1/activate", {
      params: { id: "k20@1" },
      body: {},
    });
    expect(moved.status).toBe(200);
    expect(moved.body.config).toMatchObject({ name: "k20", version: 1, labels: ["active"] });
    const list = (await call(listConfigsRoute as Handler, "/api/partition-configs")).body
      .configs as PartitionConfigView[];
    expect(list.filter((c) => c.labels.includes("active")).map((c) => c.name)).toEqual(["k20"]);

    const userId = await userIdOf("ml13");
    const last = (await userLog(userId)).at(-1)!;
    await ingest([{ user: "ml13", item: "m1", ts: last.ts + 1000, kind: "click" }]);
    expect(await storedPartitions(userId, moved.body.config.id)).toEqual(
      plain(replay({ maxCount: 20 }, await userLog(userId)).sealed),
    );
  });
});

describe("a user's partitions", () => {
  it("lists sealed partitions and the open cache under the active or a named version", async () => {
    const { status, body } = await call(userPartitionsRoute as Handler, "/api/users/ml14/partitions", {
      params: { id: "ml14" },
      auth: viewer,
    });
    expect(status).toBe(200);
    expect(body.config).toMatchObject({ name: "k20", version: 1, config: { maxCount: 20 } });
    const log = await userLog(await userIdOf("ml14"));
    const expected = replay({ maxCount: 20 }, log);
    expect(body.partitions).toEqual(plain(expected.sealed.map(partitionView)));
    const p0 = body.partitions[0];
    expect(p0).toMatchObject({ seq: 0, count: 20, sealReason: "count", startTs: new Date(log[0]!.ts).toISOString() });
    expect(p0.topCategories.length).toBeGreaterThan(0);
    expect(p0.topCategories[0].share).toBeGreaterThan(0);
    expect(p0.topCategories[0].share).toBeLessThanOrEqual(1);
    const open = log.length % 20;
    expect(body.openCache).toEqual(
      open === 0 ? null : expect.objectContaining({ seq: expected.sealed.length, count: open, lateCount: 0 }),
    );

    const named = await call(userPartitionsRoute as Handler, "/api/users/ml14/partitions?config=default@1", {
      params: { id: "ml14" },
    });
    expect(named.body.config).toMatchObject({ name: "default", version: 1 });
    expect(named.body.partitions.every((p: { count: number }) => p.count <= 50)).toBe(true);

    expect(
      (await call(userPartitionsRoute as Handler, "/api/users/nobody/partitions", { params: { id: "nobody" } })).status,
    ).toBe(404);
    expect(
      (
        await call(userPartitionsRoute as Handler, "/api/users/ml14/partitions?config=nope@1", {
          params: { id: "ml14" },
        })
      ).status,
    ).toBe(404);
  });

  it("lists a partition's behaviours, and the open cache's by its seq", async () => {
    const userId = await userIdOf("ml15");
    const configId = (await pool().query(`SELECT config_id FROM partition_config_labels WHERE label = 'active'`))
      .rows[0].config_id;
    const members = await storedMembers(userId, configId);
    const { body } = await call(userPartitionsRoute as Handler, "/api/users/ml15/partitions", {
      params: { id: "ml15" },
    });
    for (const seq of [0, body.openCache?.seq ?? 0]) {
      const res = await call(partitionBehaviorsRoute as Handler, `/api/users/ml15/partitions/${seq}/behaviors`, {
        params: { id: "ml15", seq: String(seq) },
      });
      expect(res.status).toBe(200);
      expect(res.body.behaviors.map((b: { id: number }) => b.id).sort((a: number, b: number) => a - b)).toEqual(
        members.get(seq),
      );
      const first = res.body.behaviors[0];
      expect(first).toMatchObject({
        kind: "rate",
        item: { externalId: expect.stringMatching(/^m/), title: expect.any(String), categories: expect.any(Array) },
      });
      const ts = res.body.behaviors.map((b: { ts: string }) => Date.parse(b.ts));
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
    const bad = await call(partitionBehaviorsRoute as Handler, "/api/users/ml15/partitions/-1/behaviors", {
      params: { id: "ml15", seq: "-1" },
    });
    expect(bad.status).toBe(422);
  });
});

describe("preview", () => {
  async function expectedPreview(config: { maxCount?: number; maxGapMs?: number }, activeId: number) {
    const active = new Set(
      (
        await pool().query<{ h: string }>(`SELECT content_hash AS h FROM partitions WHERE config_id = $1`, [activeId])
      ).rows.map((r) => r.h),
    );
    const sealed: Partition[] = [];
    let events = 0;
    const users = (await pool().query<{ id: number }>(`SELECT DISTINCT user_id AS id FROM behaviors ORDER BY 1`)).rows;
    for (const { id } of users) {
      const log = await userLog(id);
      events += log.length;
      sealed.push(...replay(config, log).sealed);
    }
    const differing = sealed.filter((p) => !active.has(p.contentHash));
    return {
      users: users.length,
      events,
      partitions: sealed.length,
      largest: Math.max(1, ...sealed.map((p) => p.count)),
      differing,
    };
  }

  it("previews a draft for one user and the population, without saving anything", async () => {
    const activeId = (await pool().query(`SELECT config_id FROM partition_config_labels WHERE label = 'active'`))
      .rows[0].config_id;
    const before = (
      await pool().query(
        `SELECT (SELECT count(*) FROM partitions)::int AS p, (SELECT count(*) FROM partition_configs)::int AS c`,
      )
    ).rows[0];
    const draft = { maxCount: 35, maxGapMs: 30 * 86_400_000 };
    const pricing = {
      inputPerMTok: 3,
      outputPerMTok: 15,
      tokensPerEvent: 30,
      basePromptTokens: 500,
      outputTokensPerCall: 200,
    };
    const { status, body } = await call(previewRoute as Handler, "/api/partition-configs/preview", {
      body: { config: draft, user: "ml11", pricing },
    });
    expect(status).toBe(200);

    const log = await userLog(await userIdOf("ml11"));
    const mine = replay(draft, log);
    expect(body.user.partitions).toEqual(plain(mine.sealed.map(partitionView)));
    expect(body.user.openCache === null ? 0 : body.user.openCache.count).toBe(mine.state.cache.count);

    const expected = await expectedPreview(draft, activeId);
    expect(body.population).toMatchObject({
      users: expected.users,
      events: expected.events,
      partitions: expected.partitions,
      differingFromActive: expected.differing.length,
      activeConfigId: activeId,
    });
    expect(body.population.estimate).toEqual(
      estimateSummarisationWork(expected.differing, {
        promptTokensPerEvent: 30,
        basePromptTokens: 500,
        outputTokens: 200,
        pricePerMTokIn: 3,
        pricePerMTokOut: 15,
      }),
    );
    const buckets = body.population.sizeHistogram as { min: number; max: number; count: number }[];
    expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(expected.partitions);
    expect(buckets[0]!.min).toBe(1);
    expect(buckets.at(-1)!.max).toBe(expected.largest);
    expect(typeof body.durationMs).toBe("number");

    const after = (
      await pool().query(
        `SELECT (SELECT count(*) FROM partitions)::int AS p, (SELECT count(*) FROM partition_configs)::int AS c`,
      )
    ).rows[0];
    expect(after).toEqual(before);
  });

  it("the active version's own config differs in nothing; defaults apply to missing pricing", async () => {
    const { body } = await call(previewRoute as Handler, "/api/partition-configs/preview", {
      body: { config: { maxCount: 20 } },
    });
    expect(body.user).toBeNull();
    expect(body.population.differingFromActive).toBe(0);
    expect(body.population.estimate).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 });
    const defaults = await call(previewRoute as Handler, "/api/partition-configs/preview", {
      body: { config: { maxCount: 7 } },
    });
    const expected = await expectedPreview({ maxCount: 7 }, body.population.activeConfigId);
    expect(defaults.body.population.estimate).toEqual(
      estimateSummarisationWork(expected.differing, {
        promptTokensPerEvent: DEFAULT_PRICING.tokensPerEvent,
        basePromptTokens: DEFAULT_PRICING.basePromptTokens,
        outputTokens: DEFAULT_PRICING.outputTokensPerCall,
        pricePerMTokIn: DEFAULT_PRICING.inputPerMTok,
        pricePerMTokOut: DEFAULT_PRICING.outputPerMTok,
      }),
    );
  });

  it("sees new behaviours (the in-process copy of the log is reloaded when the log changes)", async () => {
    const first = await call(previewRoute as Handler, "/api/partition-configs/preview", {
      body: { config: { maxCount: 20 } },
    });
    await ingest([{ user: "ml12", item: "m1", ts: Date.UTC(2024, 0, 1), kind: "click" }]);
    const second = await call(previewRoute as Handler, "/api/partition-configs/preview", {
      body: { config: { maxCount: 20 } },
    });
    expect(second.body.population.events).toBe(first.body.population.events + 1);
  });

  it("refuses invalid drafts, unknown users and viewers", async () => {
    expect(
      (await call(previewRoute as Handler, "/api/partition-configs/preview", { body: { config: {} } })).status,
    ).toBe(422);
    expect(
      (
        await call(previewRoute as Handler, "/api/partition-configs/preview", {
          body: { config: { maxCount: 5 }, pricing: { inputPerMTok: -1 } },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(previewRoute as Handler, "/api/partition-configs/preview", {
          body: { config: { maxCount: 5 }, user: "nobody" },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(previewRoute as Handler, "/api/partition-configs/preview", {
          body: { config: { maxCount: 5 } },
          auth: viewer,
        })
      ).status,
    ).toBe(403);
  });
});

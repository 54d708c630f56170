import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getCall } from "../../app/api/llm-calls/[id]/route";
import { GET as listRunsRoute } from "../../app/api/llm-runs/route";
import { POST as setLabelRoute } from "../../app/api/prompts/[id]/labels/route";
import { GET as diffRoute } from "../../app/api/prompts/diff/route";
import { POST as playgroundRoute } from "../../app/api/prompts/playground/route";
import { GET as listPromptsRoute, POST as createPromptRoute } from "../../app/api/prompts/route";
import { GET as getLlmSettingsRoute, PUT as putLlmSettingsRoute } from "../../app/api/settings/llm/route";
import { GET as getPricesRoute, PUT as putPricesRoute } from "../../app/api/settings/prices/route";
import { POST as runRoute } from "../../app/api/users/[id]/summaries/run/route";
import { GET as summariesRoute } from "../../app/api/users/[id]/summaries/route";
import { useTestDatabase } from "../../test/db";
import { createApiToken } from "../auth/api-tokens";
import type { Role } from "../auth/roles";
import { pool } from "../db/client";
import { DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_TEMPLATE, PROMPT_VARIABLES } from "../llm";
import { startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import {
  activateCountConfig,
  chatRequests,
  ingestAndPartition,
  insertTestItems,
  userEvents,
  validAnswers,
} from "./test-helpers";

// The UIL API through its exported route handlers, called with NextRequest and bearer tokens.

const ENV_KEY = "sk-env-SECRET-4f1c2b9a7d";
process.env.LIBER_LLM_API_KEY = ENV_KEY; // read once by lib/config on first use, after this line

useTestDatabase();

const K = 4;
const tokens = {} as Record<Role, string>;
let server: TestLlmServer;

beforeAll(async () => {
  for (const role of ["viewer", "editor", "admin"] as const) {
    tokens[role] = (await createApiToken({ name: `uil-${role}`, role, createdById: null })).token;
  }
  server = await startTestLlmServer({ fallback: validAnswers });
  await insertTestItems();
  const configId = await activateCountConfig(K);
  await ingestAndPartition([...userEvents("u1", 3 * K + 1), ...userEvents("u2", 2 * K, 200)], configId);
});
afterAll(async () => {
  await server?.close();
});

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(
  handler: Handler,
  as: Role | null,
  url: string,
  opts: { method?: string; body?: unknown; params?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = as ? { authorization: `Bearer ${tokens[as]}` } : {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(`http://localhost${url}`, {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const forUser = (id: string) => ({ params: { id } });

describe("summaries and runs (built-in provider: no endpoint configured)", () => {
  it("shows every sealed partition as missing before any run", async () => {
    const { status, body } = await call(summariesRoute, "viewer", "/api/users/u1/summaries", forUser("u1"));
    expect(status).toBe(200);
    expect(body.config).toMatchObject({ name: `uil-k${K}`, version: 1 });
    expect(body.prompt).toMatchObject({ name: "uil", version: 1, labels: expect.arrayContaining(["production"]) });
    expect(body.provider).toEqual({ provider: "builtin", model: "liber-extractive-v1" });
    expect(body.summaries.map((s: any) => [s.seq, s.status, s.stale])).toEqual([
      [0, "missing", false],
      [1, "missing", false],
      [2, "missing", false],
    ]);
  });

  it("runs a user's cascade for an editor (not a viewer), then shows the summaries", async () => {
    expect((await call(runRoute, "viewer", "/api/users/u1/summaries/run", { body: {}, ...forUser("u1") })).status).toBe(
      403,
    );
    const run = await call(runRoute, "editor", "/api/users/u1/summaries/run", { body: {}, ...forUser("u1") });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ calls: 3, cacheHits: 0, skipped: 0, failed: 0, costUsd: 0 });
    expect(Object.keys(run.body).sort()).toEqual(
      [
        "runId",
        "calls",
        "cacheHits",
        "skipped",
        "failed",
        "blocked",
        "promptTokens",
        "completionTokens",
        "costUsd",
        "durationMs",
      ].sort(),
    );
    expect(run.body.promptTokens).toBeGreaterThan(0);

    const again = await call(runRoute, "editor", "/api/users/u1/summaries/run", {
      body: { config: "active", prompt: "production" },
      ...forUser("u1"),
    });
    expect(again.body).toMatchObject({ calls: 0, skipped: 3 });

    const { body } = await call(
      summariesRoute,
      "viewer",
      "/api/users/u1/summaries?config=active&prompt=production",
      forUser("u1"),
    );
    expect(body.summaries).toHaveLength(3);
    for (const s of body.summaries) {
      expect(s).toMatchObject({
        status: "ok",
        stale: false,
        provider: "builtin",
        model: "liber-extractive-v1",
        cacheHit: false,
        error: null,
      });
      expect(s.summary).toMatch(/Built-in extractive summary/);
      expect(s.interests.length).toBeGreaterThan(0);
      expect(s.promptVersion).toEqual({ id: body.prompt.id, version: 1 });
      expect(typeof s.llmCallId).toBe("number");
    }
    expect(body.usage).toMatchObject({ calls: 3, failed: 0 });
  });

  it("answers 404 for an unknown user or prompt version, 422 for a bad selector", async () => {
    expect((await call(summariesRoute, "viewer", "/api/users/nobody/summaries", forUser("nobody"))).status).toBe(404);
    expect((await call(summariesRoute, "viewer", "/api/users/u1/summaries?prompt=99999", forUser("u1"))).status).toBe(
      404,
    );
    const bad = await call(summariesRoute, "viewer", "/api/users/u1/summaries?config=latest", forUser("u1"));
    expect(bad.status).toBe(422);
  });

  it("returns a trace with its rendered prompt and attempts, and lists runs", async () => {
    const { body: view } = await call(summariesRoute, "viewer", "/api/users/u1/summaries", forUser("u1"));
    const id = String(view.summaries[1].llmCallId);
    const { status, body } = await call(getCall, "viewer", `/api/llm-calls/${id}`, { params: { id } });
    expect(status).toBe(200);
    expect(body.call).toMatchObject({
      userExternalId: "u1",
      seq: 1,
      provider: "builtin",
      model: "liber-extractive-v1",
      status: "ok",
      cacheHit: false,
      renderedSystem: DEFAULT_SYSTEM_PROMPT,
      attempts: [{ attempt: 1, phase: "primary", status: "ok" }],
    });
    expect(body.call.renderedUser).toContain("<previous_summary>\nBuilt-in extractive summary");
    expect((await call(getCall, "viewer", "/api/llm-calls/424242", { params: { id: "424242" } })).status).toBe(404);

    const runs = await call(listRunsRoute, "viewer", "/api/llm-runs?limit=1");
    expect(runs.body.runs).toHaveLength(1);
    expect(runs.body.runs[0]).toMatchObject({ kind: "cascade", status: "succeeded", calls: 0, failed: 0 });
    expect((await call(listRunsRoute, "viewer", "/api/llm-runs?limit=0")).status).toBe(422);
  });
});

describe("prompts", () => {
  it("lists the seeded production version", async () => {
    const { body } = await call(listPromptsRoute, "viewer", "/api/prompts");
    expect(body.prompts).toHaveLength(1);
    expect(body.prompts[0]).toMatchObject({
      name: "uil",
      version: 1,
      system: DEFAULT_SYSTEM_PROMPT,
      userTemplate: DEFAULT_USER_TEMPLATE,
      behaviorOptions: {
        fields: ["date", "title", "categories", "kind", "value"],
        maxItems: 200,
        maxTitleChars: 120,
        tokenBudget: 3000,
      },
      labels: ["latest", "production"],
      createdBy: null,
    });
  });

  it("refuses unknown template variables with the list of available ones", async () => {
    const { status, body } = await call(createPromptRoute, "editor", "/api/prompts", {
      body: { name: "uil", system: "You summarise {{persona}}.", userTemplate: "{{behaviors}} {{histroy}}" },
    });
    expect(status).toBe(422);
    expect(body.error.message).toContain("{{persona}}, {{histroy}}");
    expect(body.error.details.availableVariables).toEqual([...PROMPT_VARIABLES]);
  });

  it("writes immutable versions, moves labels explicitly, and diffs any two versions", async () => {
    expect(
      (
        await call(createPromptRoute, "viewer", "/api/prompts", {
          body: { name: "uil", system: "x", userTemplate: "y" },
        })
      ).status,
    ).toBe(403);
    const created = await call(createPromptRoute, "editor", "/api/prompts", {
      body: {
        name: "uil",
        system: `${DEFAULT_SYSTEM_PROMPT}\nBe brief.`,
        userTemplate: DEFAULT_USER_TEMPLATE,
        behaviorOptions: { fields: ["date", "title", "value"], maxItems: 50, maxTitleChars: 60, tokenBudget: 1500 },
        note: "shorter",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.prompt).toMatchObject({
      name: "uil",
      version: 2,
      labels: ["latest"],
      note: "shorter",
      createdBy: "token:uil-editor",
    });
    const v1 = (await call(listPromptsRoute, "viewer", "/api/prompts")).body.prompts.find((p: any) => p.version === 1);
    expect(v1.labels).toEqual(["production"]);

    const id = String(created.body.prompt.id);
    const diff = await call(diffRoute, "viewer", `/api/prompts/diff?a=${v1.id}&b=${id}`);
    expect(diff.status).toBe(200);
    const byField = Object.fromEntries(diff.body.fields.map((f: any) => [f.field, f]));
    expect(byField.system.changed).toBe(true);
    expect(
      byField.system.hunks
        .filter((h: any) => h.added)
        .map((h: any) => h.value)
        .join(""),
    ).toMatch(/\nBe brief\.$/);
    expect(byField.system.hunks.map((h: any) => h.value).join("")).toContain(DEFAULT_SYSTEM_PROMPT.slice(0, 200));
    expect(byField.userTemplate).toMatchObject({ changed: false, hunks: [{ value: DEFAULT_USER_TEMPLATE }] });
    expect(byField.behaviorOptions.changed).toBe(true);

    const moved = await call(setLabelRoute, "editor", `/api/prompts/${id}/labels`, {
      body: { label: "production" },
      params: { id },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.prompt.labels).toEqual(["latest", "production"]);
    const { body } = await call(summariesRoute, "viewer", "/api/users/u1/summaries", forUser("u1"));
    expect(body.prompt).toMatchObject({ version: 2 });
    expect(body.summaries.every((s: any) => s.status === "missing")).toBe(true); // nothing summarised with v2 yet

    const back = await call(setLabelRoute, "editor", `/api/prompts/${v1.id}/labels`, {
      body: { label: "production" },
      params: { id: String(v1.id) },
    });
    expect(back.body.prompt.labels).toEqual(["production"]);
    expect(
      (await call(setLabelRoute, "editor", `/api/prompts/${id}/labels`, { body: { label: "Prod!" }, params: { id } }))
        .status,
    ).toBe(422);
  });

  it("runs a draft beside production on one user's whole cascade without saving summaries", async () => {
    const count = async () =>
      (await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM partition_summaries`)).rows[0]!.n;
    const before = await count();
    const { status, body } = await call(playgroundRoute, "editor", "/api/prompts/playground", {
      body: {
        user: "u2",
        draft: {
          system: "Describe {{profile}} briefly as JSON.",
          userTemplate: "{{previous_summary}}\n{{behaviors}}",
          behaviorOptions: { fields: ["title"], maxItems: 10, maxTitleChars: 40, tokenBudget: 500 },
        },
        maxPartitions: 5,
      },
    });
    expect(status).toBe(200);
    expect(body.draft.summaries.map((s: any) => [s.seq, s.status, s.promptVersion])).toEqual([
      [0, "ok", null],
      [1, "ok", null],
    ]);
    expect(body.production.summaries.map((s: any) => s.status)).toEqual(["ok", "ok"]);
    expect(body.production.summaries[0].promptVersion).toMatchObject({ version: 1 });
    expect(body.draft.totals).toMatchObject({ calls: 2, cacheHits: 0 });
    expect(await count()).toBe(before);

    const trace = await call(getCall, "viewer", `/api/llm-calls/${body.draft.summaries[1].llmCallId}`, {
      params: { id: String(body.draft.summaries[1].llmCallId) },
    });
    expect(trace.body.call.renderedSystem).toMatch(/^Describe <profile>/);
    expect(trace.body.call.promptVersionId).toBeNull();
    const [run] = (await call(listRunsRoute, "viewer", "/api/llm-runs?limit=1")).body.runs;
    expect(run).toMatchObject({ kind: "playground", status: "succeeded" });

    // The same draft again: answered from the cache.
    const again = await call(playgroundRoute, "editor", "/api/prompts/playground", {
      body: {
        user: "u2",
        draft: {
          system: "Describe {{profile}} briefly as JSON.",
          userTemplate: "{{previous_summary}}\n{{behaviors}}",
          behaviorOptions: { fields: ["title"], maxItems: 10, maxTitleChars: 40, tokenBudget: 500 },
        },
      },
    });
    expect(again.body.draft.totals).toMatchObject({ calls: 0, cacheHits: 2 });
    expect(again.body.draft.summaries.every((s: any) => s.cacheHit)).toBe(true);

    const unknown = await call(playgroundRoute, "editor", "/api/prompts/playground", {
      body: { user: "u2", draft: { system: "{{nope}}", userTemplate: "x" } },
    });
    expect(unknown.status).toBe(422);
  });
});

describe("settings", () => {
  it("shows LLM settings to admins only, and never the key", async () => {
    expect((await call(getLlmSettingsRoute, "editor", "/api/settings/llm")).status).toBe(403);
    const { status, body } = await call(getLlmSettingsRoute, "admin", "/api/settings/llm");
    expect(status).toBe(200);
    expect(body).toEqual({
      provider: "builtin",
      baseUrl: null,
      model: "liber-extractive-v1",
      temperature: 0.2,
      maxTokens: 800,
      timeoutMs: 60_000,
      maxConcurrency: 4,
      tokensPerMinute: null,
      apiKeyConfigured: true,
      apiKeySource: "env",
      apiKeySentToBaseUrl: false,
    });
    expect(JSON.stringify(body)).not.toContain("SECRET");
  });

  it("switches to an OpenAI-compatible endpoint; the next run goes there, without the environment's key (not its endpoint)", async () => {
    const invalid = await call(putLlmSettingsRoute, "admin", "/api/settings/llm", {
      method: "PUT",
      body: { provider: "openai", model: "gpt-4o-mini", temperature: 0.2, maxTokens: 800 },
    });
    expect(invalid.status).toBe(422);
    const saved = await call(putLlmSettingsRoute, "admin", "/api/settings/llm", {
      method: "PUT",
      body: {
        provider: "openai",
        baseUrl: server.baseURL,
        model: "gpt-4o-mini",
        temperature: 0,
        maxTokens: 500,
        timeoutMs: 5000,
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      provider: "openai",
      baseUrl: server.baseURL,
      model: "gpt-4o-mini",
      temperature: 0,
      maxTokens: 500,
      apiKeyConfigured: true,
    });
    expect(JSON.stringify(saved.body)).not.toContain("SECRET");

    const before = chatRequests(server).length;
    const run = await call(runRoute, "editor", "/api/users/u2/summaries/run", { body: {}, ...forUser("u2") });
    expect(run.body).toMatchObject({ calls: 2, failed: 0, promptTokens: 240, completionTokens: 120 });
    const sent = chatRequests(server).slice(before);
    expect(sent).toHaveLength(2);
    // The key belongs to LIBER_LLM_BASE_URL (unset here: the default OpenAI endpoint); see llm-key.integration.test.ts.
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0, max_tokens: 500 });

    const { body } = await call(summariesRoute, "viewer", "/api/users/u2/summaries", forUser("u2"));
    expect(body.provider).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(body.summaries.map((s: any) => [s.status, s.model])).toEqual([
      ["ok", "gpt-4o-mini"],
      ["ok", "gpt-4o-mini"],
    ]);
    const trace = await call(getCall, "viewer", `/api/llm-calls/${body.summaries[0].llmCallId}`, {
      params: { id: String(body.summaries[0].llmCallId) },
    });
    expect(trace.body.call.endpoint).toBe(server.baseURL);
    expect(JSON.stringify(trace.body)).not.toContain("SECRET");
  });

  it("shows prices to viewers and lets admins replace them", async () => {
    const { body } = await call(getPricesRoute, "viewer", "/api/settings/prices");
    expect(body.prices).toContainEqual({
      provider: "builtin",
      model: "liber-extractive-v1",
      inputPerMTok: 0,
      outputPerMTok: 0,
    });
    expect(body.prices).toContainEqual({
      provider: "openai",
      model: "gpt-4o-mini",
      inputPerMTok: 0.15,
      outputPerMTok: 0.6,
    });

    const prices = [
      { provider: "builtin", model: "liber-extractive-v1", inputPerMTok: 0, outputPerMTok: 0 },
      { provider: "openai", model: "gpt-4o-mini", inputPerMTok: 1, outputPerMTok: 2 },
    ];
    expect(
      (await call(putPricesRoute, "editor", "/api/settings/prices", { method: "PUT", body: { prices } })).status,
    ).toBe(403);
    const saved = await call(putPricesRoute, "admin", "/api/settings/prices", { method: "PUT", body: { prices } });
    expect(saved.body.prices).toEqual(prices);
    const dup = await call(putPricesRoute, "admin", "/api/settings/prices", {
      method: "PUT",
      body: { prices: [prices[1], prices[1]] },
    });
    expect(dup.status).toBe(422);

    // The new price applies to the next calls.
    const run = await call(runRoute, "editor", "/api/users/u1/summaries/run", { body: {}, ...forUser("u1") });
    expect(run.body.calls).toBe(3); // another model than the builtin summaries: new input hashes
    expect(run.body.costUsd).toBeCloseTo((run.body.promptTokens * 1 + run.body.completionTokens * 2) / 1_000_000, 12);
  });
});

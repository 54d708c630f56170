import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getCall } from "../../app/api/llm-calls/[id]/route";
import { GET as getLlmSettingsRoute, PUT as putLlmSettingsRoute } from "../../app/api/settings/llm/route";
import { POST as runRoute } from "../../app/api/users/[id]/summaries/run/route";
import { GET as summariesRoute } from "../../app/api/users/[id]/summaries/route";
import { useTestDatabase } from "../../test/db";
import { createApiToken } from "../auth/api-tokens";
import type { Role } from "../auth/roles";
import { loadConfig } from "../config";
import { startTestLlmServer } from "../llm/test-server";
import {
  activateCountConfig,
  chatRequests,
  ingestAndPartition,
  insertTestItems,
  userEvents,
  validAnswers,
} from "./test-helpers";

/**
 * Issue 9 item 2: the key from the environment goes only to the endpoint it was configured for.
 * Two test servers: "home" is LIBER_LLM_BASE_URL, "elsewhere" is what an admin types in Settings.
 */

const ENV_KEY = "sk-env-SECRET-7d21c0a9e4";
const home = await startTestLlmServer({ fallback: validAnswers });
const elsewhere = await startTestLlmServer({ fallback: validAnswers });
// Read once by lib/config on first use, after these lines.
process.env.LIBER_LLM_API_KEY = ENV_KEY;
process.env.LIBER_LLM_BASE_URL = home.baseURL;
process.env.LIBER_LLM_MODEL = "gpt-4o-mini";

useTestDatabase();

const tokens = {} as Record<Role, string>;
beforeAll(async () => {
  for (const role of ["viewer", "editor", "admin"] as const) {
    tokens[role] = (await createApiToken({ name: `key-${role}`, role, createdById: null })).token;
  }
  await insertTestItems();
  const configId = await activateCountConfig(4);
  await ingestAndPartition(
    [...userEvents("u1", 9), ...userEvents("u2", 9, 100), ...userEvents("u3", 9, 200)],
    configId,
  );
});
afterAll(async () => {
  await home.close();
  await elsewhere.close();
});

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call(
  handler: Handler,
  as: Role,
  url: string,
  opts: { method?: string; body?: unknown; params?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[as]}` };
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

const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
const settings = (baseUrl: string) => ({
  provider: "openai",
  baseUrl,
  model: "gpt-4o-mini",
  temperature: 0,
  maxTokens: 500,
  timeoutMs: 5000,
});
const runFor = (user: string) =>
  call(runRoute, "editor", `/api/users/${user}/summaries/run`, { body: {}, params: { id: user } });

describe("the environment's LLM key", () => {
  it("goes to LIBER_LLM_BASE_URL (the environment's default endpoint)", async () => {
    const run = await runFor("u1");
    expect(run.body).toMatchObject({ calls: 2, failed: 0 });
    const sent = chatRequests(home);
    expect(sent).toHaveLength(2);
    for (const r of sent) expect(r.headers.authorization).toBe(`Bearer ${ENV_KEY}`);
  });

  it("does not follow a base URL an admin sets in Settings to another origin: no Authorization header at all", async () => {
    const saved = await call(putLlmSettingsRoute, "admin", "/api/settings/llm", {
      method: "PUT",
      body: settings(elsewhere.baseURL),
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ apiKeyConfigured: true, apiKeySentToBaseUrl: false });
    const before = chatRequests(home).length;
    const run = await runFor("u2");
    expect(run.body).toMatchObject({ calls: 2, failed: 0 });
    const sent = chatRequests(elsewhere);
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(r.headers.authorization).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain("SECRET");
    }
    expect(chatRequests(home)).toHaveLength(before);
  });

  it("follows the admin's URL again when it is on the key's own origin (another path)", async () => {
    const samePlace = home.baseURL.replace(/\/v1$/, "/v1/");
    const saved = await call(putLlmSettingsRoute, "admin", "/api/settings/llm", {
      method: "PUT",
      body: settings(samePlace),
    });
    expect(saved.body).toMatchObject({ apiKeySentToBaseUrl: true });
  });

  it("refuses base URLs with a query string, a fragment or credentials (422)", async () => {
    for (const baseUrl of [
      `${elsewhere.baseURL}?x=/steal`,
      `${home.baseURL}#frag`,
      home.baseURL.replace("http://", "http://u:p@"),
    ]) {
      const res = await call(putLlmSettingsRoute, "admin", "/api/settings/llm", {
        method: "PUT",
        body: settings(baseUrl),
      });
      expect(res.status, baseUrl).toBe(422);
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: "baseUrl" }));
    }
    const current = await call(getLlmSettingsRoute, "admin", "/api/settings/llm");
    expect(current.body.baseUrl).not.toMatch(/[?#@]/);
  });

  it("refuses such URLs in the environment too, and takes an allow-list", () => {
    expect(() => loadConfig(env({ LIBER_LLM_BASE_URL: "http://127.0.0.1:1/v1?x=y" }))).toThrow(
      /LIBER_LLM_BASE_URL: must be an http\(s\) URL without a query/,
    );
    expect(() => loadConfig(env({ LIBER_LLM_BASE_URL: "http://127.0.0.1:1/v1#f" }))).toThrow(/LIBER_LLM_BASE_URL/);
    expect(() => loadConfig(env({ LIBER_LLM_KEY_ALLOWED_URLS: "http://a.test/v1, http://b.test/v1?q" }))).toThrow(
      /LIBER_LLM_KEY_ALLOWED_URLS/,
    );
    expect(
      loadConfig(env({ LIBER_LLM_KEY_ALLOWED_URLS: "http://a.test/v1, https://b.test/v1" })).LIBER_LLM_KEY_ALLOWED_URLS,
    ).toBeDefined();
  });
});

describe("raw responses", () => {
  it("of a failed call (whatever the endpoint sent) are shown to admins only; a real model answer to everyone", async () => {
    await call(putLlmSettingsRoute, "admin", "/api/settings/llm", { method: "PUT", body: settings(elsewhere.baseURL) });
    const page = "<html>instance metadata: SECRET-ROLE-CREDENTIALS</html>";
    elsewhere.setFallback({ type: "raw", status: 200, body: page, contentType: "text/html" });
    const run = await runFor("u3");
    expect(run.body.failed).toBeGreaterThan(0);
    const { body } = await call(summariesRoute, "viewer", "/api/users/u3/summaries", { params: { id: "u3" } });
    const failed = body.summaries.find(
      (s: { status: string; llmCallId: number | null }) => s.status === "failed" && s.llmCallId,
    );
    expect(failed).toBeDefined();
    const id = String(failed.llmCallId);
    const asAdmin = await call(getCall, "admin", `/api/llm-calls/${id}`, { params: { id } });
    expect(asAdmin.body.call.rawResponse).toContain("SECRET-ROLE-CREDENTIALS");
    for (const role of ["viewer", "editor"] as const) {
      const seen = await call(getCall, role, `/api/llm-calls/${id}`, { params: { id } });
      expect(seen.status).toBe(200);
      expect(seen.body.call.rawResponse).toBeNull();
      expect(seen.body.call.rawResponseHidden).toBe(true);
      expect(JSON.stringify(seen.body)).not.toContain("SECRET-ROLE-CREDENTIALS");
    }

    const ok = (await call(summariesRoute, "viewer", "/api/users/u2/summaries", { params: { id: "u2" } })).body
      .summaries[0];
    const okCall = await call(getCall, "viewer", `/api/llm-calls/${ok.llmCallId}`, {
      params: { id: String(ok.llmCallId) },
    });
    expect(okCall.body.call.rawResponse).toContain("Summary number");
  });
});

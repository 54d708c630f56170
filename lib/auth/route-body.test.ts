import { NextRequest } from "next/server";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { MAX_JSON_BODY_BYTES } from "../api/body";
import { unprocessable } from "../api/errors";
import { route } from "./route";
import type { Caller } from "./types";

// A public route, so that no database is needed to authenticate (no credentials are sent).
const echo = route({ access: "public", body: z.object({ note: z.string() }) }, async ({ body }) => body);
const noParams = { params: Promise.resolve({}) };

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return new NextRequest("http://127.0.0.1/api/echo", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("route() JSON bodies", () => {
  it("parses a valid body", async () => {
    const res = await echo(post(JSON.stringify({ note: "hi" })), noParams);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ note: "hi" });
  });

  it("refuses a body over the cap with 413 before reading it all", async () => {
    const huge = JSON.stringify({ note: "x".repeat(MAX_JSON_BODY_BYTES) });
    const res = await echo(post(huge), noParams);
    expect(res.status).toBe(413);
  });

  it("answers 400 for invalid JSON and for invalid UTF-8", async () => {
    expect((await echo(post("{not json"), noParams)).status).toBe(400);
    const badUtf8 = new Uint8Array([0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await echo(post(badUtf8), noParams);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/UTF-8/);
  });

  it("answers 422 with details when the body does not match the schema", async () => {
    const res = await echo(post(JSON.stringify({ note: 5 })), noParams);
    expect(res.status).toBe(422);
    expect((await res.json()).error.details[0].path).toBe("note");
  });
});

describe("route() types the caller by access", () => {
  it("non-null behind a role, maybe null on public routes (checked by tsc)", () => {
    route({ access: "viewer" }, async ({ caller }) => expectTypeOf(caller).toEqualTypeOf<Caller>());
    route({ access: "admin" }, async ({ caller }) => expectTypeOf(caller).toEqualTypeOf<Caller>());
    route({ access: "public" }, async ({ caller }) => expectTypeOf(caller).toEqualTypeOf<Caller | null>());
  });

  it("an ApiError's extra fields are answered next to the error", async () => {
    const refuse = route({ access: "public" }, async () => {
      throw unprocessable("2 invalid event(s)", undefined, { rejected: 2 });
    });
    const res = await refuse(post("{}"), noParams);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: { code: "unprocessable", message: "2 invalid event(s)" }, rejected: 2 });
  });
});

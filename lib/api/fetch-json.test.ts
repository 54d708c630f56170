import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiRequestError, fetchJson, queryString, retryUnlessClientError } from "./fetch-json";

afterEach(() => vi.unstubAllGlobals());

const respond = (status: number, body: unknown) =>
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status })),
  );

describe("fetchJson", () => {
  it("returns the JSON body of a success", async () => {
    respond(200, { users: [], total: 0 });
    await expect(fetchJson("/api/users")).resolves.toEqual({ users: [], total: 0 });
  });

  it("throws the API's own error code and message", async () => {
    respond(404, { error: { code: "not_found", message: "User not found." } });
    const err = await fetchJson("/api/users/x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "User not found." });
  });

  it("says what happened when the answer is not the API's JSON", async () => {
    respond(502, "<html>Bad gateway</html>");
    await expect(fetchJson("/api/users")).rejects.toMatchObject({
      status: 502,
      code: "http_error",
      message: "The server answered 502.",
    });
  });

  it("reports an unreachable server", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("fetch failed"))),
    );
    await expect(fetchJson("/api/users")).rejects.toMatchObject({ status: 0, code: "network" });
  });
});

describe("queryString", () => {
  it("keeps defined, non-empty values", () => {
    expect(queryString({ q: "a b", page: 2, sort: undefined, dir: "", x: null })).toBe("?q=a+b&page=2");
    expect(queryString({})).toBe("");
  });
});

describe("retryUnlessClientError", () => {
  it("retries server and network failures once and client errors never", () => {
    expect(retryUnlessClientError(0, new ApiRequestError(500, "internal", "x"))).toBe(true);
    expect(retryUnlessClientError(1, new ApiRequestError(500, "internal", "x"))).toBe(false);
    expect(retryUnlessClientError(0, new ApiRequestError(0, "network", "x"))).toBe(true);
    expect(retryUnlessClientError(0, new ApiRequestError(404, "not_found", "x"))).toBe(false);
    expect(retryUnlessClientError(0, new ApiRequestError(401, "unauthorized", "x"))).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { isSignInFlowPath, safeNextPath, signInUrl } from "./next-path";

describe("next= validation", () => {
  it("keeps same-site paths with their query and hash", () => {
    expect(safeNextPath("/users")).toBe("/users");
    expect(safeNextPath("/users/42?tab=timeline#p3")).toBe("/users/42?tab=timeline#p3");
    expect(safeNextPath("/")).toBe("/");
  });

  it("falls back when missing or empty", () => {
    expect(safeNextPath(undefined)).toBe("/");
    expect(safeNextPath(null, "/users")).toBe("/users");
    expect(safeNextPath("")).toBe("/");
  });

  it.each([
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "users",
    "evil.example/path",
  ])("refuses %j", (next) => {
    expect(safeNextPath(next)).toBe("/");
  });

  it("refuses absurdly long values", () => {
    expect(safeNextPath(`/${"a".repeat(3000)}`)).toBe("/");
  });

  it("resolves dot segments without leaving the site", () => {
    expect(safeNextPath("/a/../users")).toBe("/users");
    expect(safeNextPath("/..//evil.example")).toBe("/");
  });

  it("never points back into the sign-in flow", () => {
    expect(safeNextPath("/signin?next=/users")).toBe("/");
    expect(safeNextPath("/setup?token=x")).toBe("/");
    expect(isSignInFlowPath("/signin")).toBe(true);
    expect(isSignInFlowPath("/signing")).toBe(false);
  });

  it("builds sign-in URLs that carry a safe next", () => {
    expect(signInUrl("/users?page=2")).toBe("/signin?next=%2Fusers%3Fpage%3D2");
    expect(signInUrl("/")).toBe("/signin");
    expect(signInUrl("//evil.example")).toBe("/signin");
  });
});

import { describe, expect, it } from "vitest";
import { exportHref } from "./api-client";

describe("exportHref", () => {
  it("carries as-of and format, and the users as one comma list", () => {
    const href = exportHref({ asOf: "2018-01-01T00:00:00.000Z", format: "csv", users: [" 12", "a b", ""] });
    const url = new URL(href, "http://x");
    expect(url.pathname).toBe("/api/uif/export");
    expect(url.searchParams.get("asOf")).toBe("2018-01-01T00:00:00.000Z");
    expect(url.searchParams.get("format")).toBe("csv");
    expect(url.searchParams.get("users")).toBe("12,a b");
  });

  it("leaves out what is not chosen (every user, the default versions)", () => {
    expect(exportHref({ asOf: "1", format: "parquet", users: [] })).toBe("/api/uif/export?asOf=1&format=parquet");
    expect(exportHref({ asOf: "1", format: "npy", encoder: 3, fusion: 2 })).toBe(
      "/api/uif/export?asOf=1&format=npy&encoder=3&fusion=2",
    );
  });
});

import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { configRef, createConfigVersion, ensureActiveConfig, requireConfig, requireConfigRef } from "./configs";

useTestDatabase();

describe("requireConfigRef", () => {
  it("names the same version as requireConfig for every kind of reference, and 404s the same", async () => {
    const active = await ensureActiveConfig(pool());
    const other = await createConfigVersion({ name: "refs", config: { maxCount: 7 } });
    for (const ref of ["active", "  active ", active.id, String(other.id), `default@1`, `refs@${other.version}`]) {
      expect(await requireConfigRef(ref)).toEqual(configRef(await requireConfig(ref)));
    }
    for (const ref of ["nope", "refs@99", 999_999, "99999999999", "default@"]) {
      await expect(requireConfigRef(ref)).rejects.toMatchObject({ status: 404 });
      await expect(requireConfig(ref)).rejects.toMatchObject({ status: 404 });
    }
  });
});

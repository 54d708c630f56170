import { describe, expect, it } from "vitest";
import { ApiRequestError } from "@/lib/api/fetch-json";
import type { PromptVersion } from "@/lib/summaries/api-client";
import {
  apiErrorLines,
  draftChanged,
  draftFromVersion,
  draftToRequest,
  toggleField,
  unknownVariables,
} from "./prompt-form-model";

const version: PromptVersion = {
  id: 3,
  name: "default",
  version: 2,
  system: "You summarise.",
  userTemplate: "Behaviours:\n{{behaviors}}\nBefore: {{previous_summary}}",
  behaviorOptions: { fields: ["date", "title"], maxItems: 200, maxTitleChars: 120, tokenBudget: 3000 },
  note: "v2",
  labels: ["production"],
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "admin",
};

describe("draft from a version", () => {
  it("starts unchanged, and notices any content change but not a note", () => {
    const draft = draftFromVersion(version);
    expect(draftChanged(draft, version)).toBe(false);
    expect(draftChanged({ ...draft, note: "why" }, version)).toBe(false);
    expect(draftChanged({ ...draft, system: "You summarise briefly." }, version)).toBe(true);
    expect(draftChanged({ ...draft, maxItems: "150" }, version)).toBe(true);
    expect(draftChanged({ ...draft, fields: ["title", "date"] }, version)).toBe(true);
  });

  it("appends a field turned on and removes one turned off", () => {
    expect(toggleField(["date", "title"], "value", true)).toEqual(["date", "title", "value"]);
    expect(toggleField(["date", "title"], "date", false)).toEqual(["title"]);
    expect(toggleField(["date", "title"], "title", true)).toEqual(["date", "title"]);
  });
});

describe("draftToRequest", () => {
  it("builds the API body with numbers and a trimmed name and note", () => {
    const result = draftToRequest({
      ...draftFromVersion(version),
      name: " default ",
      maxItems: " 150 ",
      note: " shorter ",
    });
    expect(result).toEqual({
      ok: true,
      behaviorOptions: { fields: ["date", "title"], maxItems: 150, maxTitleChars: 120, tokenBudget: 3000 },
      body: {
        name: "default",
        system: version.system,
        userTemplate: version.userTemplate,
        behaviorOptions: { fields: ["date", "title"], maxItems: 150, maxTitleChars: 120, tokenBudget: 3000 },
        note: "shorter",
      },
    });
  });

  it("accepts only the API's prompt names", () => {
    const draft = draftFromVersion(version);
    expect(draftToRequest({ ...draft, name: "uil-short_2" }).ok).toBe(true);
    const result = draftToRequest({ ...draft, name: "My Prompt" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.name).toContain("Lower-case");
  });

  it("names unknown template variables and lists the available ones", () => {
    expect(unknownVariables("{{ behaviors }} {{history}} {{history}} {{user_age}}")).toEqual(["history", "user_age"]);
    const result = draftToRequest({ ...draftFromVersion(version), userTemplate: "{{history}}" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.userTemplate).toContain("{{history}}");
      expect(result.errors.userTemplate).toContain("{{previous_summary}}");
    }
  });

  it("refuses empty texts, no fields and numbers that are not whole and in range", () => {
    const result = draftToRequest({
      ...draftFromVersion(version),
      name: " ",
      system: "",
      fields: [],
      maxItems: "1.5",
      maxTitleChars: "0",
      tokenBudget: "lots",
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors).sort()).toEqual([
        "fields",
        "maxItems",
        "maxTitleChars",
        "name",
        "system",
        "tokenBudget",
      ]);
      expect(result.errors.maxTitleChars).toBe("Max title length must be between 8 and 1,000.");
    }
  });
});

describe("apiErrorLines", () => {
  it("lists zod issues with their paths", () => {
    const error = new ApiRequestError(422, "unprocessable", "Invalid input.", [
      { path: "behaviorOptions.maxItems", message: "Too small" },
      { path: "", message: "Bad" },
    ]);
    expect(apiErrorLines(error)).toEqual({
      message: "Invalid input.",
      lines: ["behaviorOptions.maxItems: Too small", "Bad"],
    });
  });

  it("lists other detail objects key by key, and plain errors without lines", () => {
    const error = new ApiRequestError(422, "unprocessable", "Unknown template variable {{x}}.", {
      unknownVariables: ["x"],
      availableVariables: ["profile", "behaviors"],
    });
    expect(apiErrorLines(error).lines).toEqual(["unknownVariables: x", "availableVariables: profile, behaviors"]);
    expect(apiErrorLines(new Error("boom"))).toEqual({ message: "boom", lines: [] });
  });
});

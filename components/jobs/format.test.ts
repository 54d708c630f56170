import { describe, expect, it } from "vitest";
import type { JobRunView } from "@/lib/jobs/api-client";
import { describeScope, formatSeconds, formatUsd, isActive, progressFraction, STATUS_TONE } from "./format";

const run = (over: Partial<JobRunView["progress"]> & { status?: JobRunView["status"] } = {}): JobRunView =>
  ({
    status: over.status ?? "running",
    progress: { usersTotal: 10, usersDone: 0, usersFailed: 0, partitionsTotal: 0, partitionsDone: 0, ...over },
  }) as unknown as JobRunView;

describe("jobs formatting", () => {
  it("measures progress over partitions, else users, and never above 1", () => {
    expect(progressFraction(run({ partitionsTotal: 40, partitionsDone: 10 }))).toBe(0.25);
    expect(progressFraction(run({ partitionsTotal: 40, partitionsDone: 50 }))).toBe(1);
    expect(progressFraction(run({ usersDone: 3, usersFailed: 1 }))).toBe(0.4);
    expect(progressFraction(run({ status: "done" }))).toBe(1);
  });
  it("shows retrying apart from failed", () => {
    expect(STATUS_TONE.retrying).not.toBe(STATUS_TONE.failed);
    expect(isActive("retrying")).toBe(true);
    expect(isActive("failed")).toBe(false);
  });
  it("formats durations, money and scopes", () => {
    expect(formatSeconds(null)).toBe("–");
    expect(formatSeconds(45)).toBe("45 s");
    expect(formatSeconds(600)).toBe("10 min");
    expect(formatSeconds(7200)).toBe("2.0 h");
    expect(formatUsd(null)).toBe("unknown");
    expect(formatUsd(0.0012)).toBe("$0.0012");
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(describeScope({ users: ["7"] })).toBe("user 7");
    expect(describeScope({ users: ["1", "2", "3", "4"] })).toBe("4 users");
    expect(describeScope({ minEvents: 20 })).toBe("users with ≥ 20 behaviours");
  });
});

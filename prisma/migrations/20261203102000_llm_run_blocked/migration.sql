-- Issue 9 item 4: partitions a run left undone because an earlier partition of the same
-- user failed (they need its summary as their "previous").
ALTER TABLE "llm_runs" ADD COLUMN "blocked" INTEGER NOT NULL DEFAULT 0;

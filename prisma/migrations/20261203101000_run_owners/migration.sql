-- Issue 9 item 5: runs record the process that owns them (pid, host, process start id), so
-- that the next start can mark a run whose process is gone as interrupted.
ALTER TYPE "import_status" ADD VALUE 'interrupted';

ALTER TABLE "import_runs" ADD COLUMN "owner_pid" INTEGER,
    ADD COLUMN "owner_host" TEXT,
    ADD COLUMN "owner_start_id" TEXT;

ALTER TABLE "llm_runs" ADD COLUMN "owner_pid" INTEGER,
    ADD COLUMN "owner_host" TEXT,
    ADD COLUMN "owner_start_id" TEXT;

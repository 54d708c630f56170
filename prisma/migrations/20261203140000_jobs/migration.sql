-- Batch recomputation (issue 12): runs of the pipeline over a scope of users, one row per
-- user for progress, errors and retries. The queue itself is pg-boss in its own schema
-- "pgboss", which pg-boss creates and migrates on start; these tables are the product's view.

-- CreateTable
CREATE TABLE "job_runs" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'recompute',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "scope" JSONB NOT NULL,
    "steps" TEXT[],
    "config_id" INTEGER NOT NULL,
    "prompt_version_id" INTEGER NOT NULL,
    "encoder" TEXT,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "race_key" TEXT NOT NULL,
    "cost_cap_usd" DOUBLE PRECISION,
    "estimate" JSONB,
    "users_total" INTEGER NOT NULL DEFAULT 0,
    "users_done" INTEGER NOT NULL DEFAULT 0,
    "users_failed" INTEGER NOT NULL DEFAULT 0,
    "partitions_total" INTEGER NOT NULL DEFAULT 0,
    "partitions_done" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "cache_hits" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "failed_calls" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_reserved_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "pause_reason" TEXT,
    "error" TEXT,
    "notes" JSONB NOT NULL DEFAULT '[]',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_run_items" (
    "run_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "partitions_total" INTEGER NOT NULL DEFAULT 0,
    "partitions_done" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "cache_hits" INTEGER NOT NULL DEFAULT 0,
    "worker" TEXT,
    "heartbeat_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3),
    "error" TEXT,
    "error_kind" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_run_items_pkey" PRIMARY KEY ("run_id","user_id")
);

-- CreateIndex
CREATE INDEX "job_runs_created_at_idx" ON "job_runs"("created_at");

-- CreateIndex
CREATE INDEX "job_runs_status_idx" ON "job_runs"("status");

-- CreateIndex
CREATE INDEX "job_runs_race_key_idx" ON "job_runs"("race_key");

-- CreateIndex
CREATE INDEX "job_run_items_run_id_status_idx" ON "job_run_items"("run_id", "status");

-- CreateIndex
CREATE INDEX "job_run_items_user_id_idx" ON "job_run_items"("user_id");

-- AddForeignKey
ALTER TABLE "job_run_items" ADD CONSTRAINT "job_run_items_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "job_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Import runs (issue 12 item 6): a heartbeat so that an import whose process died is detected.
ALTER TABLE "import_runs" ADD COLUMN "heartbeat_at" TIMESTAMPTZ(3);

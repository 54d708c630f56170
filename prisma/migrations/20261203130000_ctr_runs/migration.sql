-- CTR Lab: saved evaluation runs (issue 13)

-- CreateTable
CREATE TABLE "ctr_runs" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "backbone" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "config_id" INTEGER,
    "prompt_version_id" INTEGER,
    "encoder_version_id" INTEGER,
    "metrics" JSONB,
    "curves" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "duration_ms" INTEGER,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ctr_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ctr_runs_created_at_idx" ON "ctr_runs"("created_at");

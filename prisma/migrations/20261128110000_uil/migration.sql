-- CreateTable
CREATE TABLE "prompt_versions" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "system" TEXT NOT NULL,
    "user_template" TEXT NOT NULL,
    "behavior_options" JSONB NOT NULL,
    "note" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prompt_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_labels" (
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "prompt_version_id" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prompt_labels_pkey" PRIMARY KEY ("name","label")
);

-- CreateTable
CREATE TABLE "llm_runs" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "config_id" INTEGER,
    "prompt_version_id" INTEGER,
    "users" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "cache_hits" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_by" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "llm_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_calls" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER,
    "user_id" INTEGER,
    "config_id" INTEGER,
    "seq" INTEGER,
    "prompt_version_id" INTEGER,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "endpoint" TEXT,
    "params" JSONB NOT NULL,
    "cache_key" TEXT NOT NULL,
    "cache_hit" BOOLEAN NOT NULL DEFAULT false,
    "rendered_system" TEXT NOT NULL,
    "rendered_user" TEXT NOT NULL,
    "raw_response" TEXT,
    "parsed" JSONB,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "tokens_estimated" BOOLEAN NOT NULL DEFAULT false,
    "cost_usd" DOUBLE PRECISION,
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL,
    "error_kind" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_cache" (
    "key" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "raw_response" TEXT NOT NULL,
    "prompt_tokens" INTEGER NOT NULL,
    "completion_tokens" INTEGER NOT NULL,
    "hits" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_hit_at" TIMESTAMPTZ(3),

    CONSTRAINT "llm_cache_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "partition_summaries" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "config_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "partition_content_hash" TEXT NOT NULL,
    "prompt_version_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input_hash" TEXT NOT NULL,
    "previous_input_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "summary" TEXT,
    "shift" TEXT,
    "interests" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "llm_call_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partition_summaries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "provider" TEXT NOT NULL,
    "base_url" TEXT,
    "model" TEXT NOT NULL,
    "temperature" DOUBLE PRECISION NOT NULL,
    "max_tokens" INTEGER NOT NULL,
    "timeout_ms" INTEGER,
    "max_concurrency" INTEGER,
    "tokens_per_minute" INTEGER,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_prices" (
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input_per_mtok" DOUBLE PRECISION NOT NULL,
    "output_per_mtok" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_prices_pkey" PRIMARY KEY ("provider","model")
);

-- CreateIndex
CREATE UNIQUE INDEX "prompt_versions_name_version_key" ON "prompt_versions"("name", "version");

-- CreateIndex
CREATE INDEX "prompt_labels_prompt_version_id_idx" ON "prompt_labels"("prompt_version_id");

-- CreateIndex
CREATE INDEX "llm_runs_started_at_idx" ON "llm_runs"("started_at");

-- CreateIndex
CREATE INDEX "llm_calls_run_id_idx" ON "llm_calls"("run_id");

-- CreateIndex
CREATE INDEX "llm_calls_user_id_created_at_idx" ON "llm_calls"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "partition_summaries_user_id_config_id_prompt_version_id_seq_idx" ON "partition_summaries"("user_id", "config_id", "prompt_version_id", "seq");

-- CreateIndex
CREATE INDEX "partition_summaries_prompt_version_id_idx" ON "partition_summaries"("prompt_version_id");

-- CreateIndex
CREATE INDEX "partition_summaries_llm_call_id_idx" ON "partition_summaries"("llm_call_id");

-- CreateIndex
CREATE UNIQUE INDEX "partition_summaries_user_id_config_id_input_hash_key" ON "partition_summaries"("user_id", "config_id", "input_hash");

-- AddForeignKey
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_prompt_version_id_fkey" FOREIGN KEY ("prompt_version_id") REFERENCES "prompt_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_calls" ADD CONSTRAINT "llm_calls_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "llm_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_calls" ADD CONSTRAINT "llm_calls_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition_summaries" ADD CONSTRAINT "partition_summaries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition_summaries" ADD CONSTRAINT "partition_summaries_prompt_version_id_fkey" FOREIGN KEY ("prompt_version_id") REFERENCES "prompt_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition_summaries" ADD CONSTRAINT "partition_summaries_llm_call_id_fkey" FOREIGN KEY ("llm_call_id") REFERENCES "llm_calls"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Seed the editable price table (USD per million tokens; list prices, check your provider's page).
INSERT INTO "llm_prices" ("provider", "model", "input_per_mtok", "output_per_mtok") VALUES
    ('builtin', 'liber-extractive-v1', 0, 0),
    ('openai', 'gpt-4o-mini', 0.15, 0.6),
    ('openai', 'gpt-4o', 2.5, 10),
    ('openai', 'gpt-4.1-nano', 0.1, 0.4),
    ('openai', 'gpt-4.1-mini', 0.4, 1.6),
    ('openai', 'gpt-4.1', 2, 8);

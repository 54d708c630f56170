-- UIF: encoder versions, partition vectors, fusion configs, embeddings cache and traces, projections (issue 11)

-- CreateTable
CREATE TABLE "uif_encoder_versions" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "dims" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "idf_documents" INTEGER,
    "idf_df" BYTEA,
    "config_id" INTEGER,
    "prompt_version_id" INTEGER,
    "fitted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fitted_until" TIMESTAMPTZ(3),
    "created_by" TEXT,

    CONSTRAINT "uif_encoder_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
-- vector: bytea of float32 little-endian (see schema.prisma: smaller than float4[], read as a Buffer without array-text parsing).
CREATE TABLE "uif_partition_vectors" (
    "id" BIGSERIAL NOT NULL,
    "encoder_version_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "config_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "sealed_at_ts" TIMESTAMPTZ(3) NOT NULL,
    "summary_id" INTEGER NOT NULL,
    "prompt_version_id" INTEGER NOT NULL,
    "input_hash" TEXT NOT NULL,
    "summary_created_at" TIMESTAMPTZ(3) NOT NULL,
    "text_kind" TEXT NOT NULL,
    "text_hash" TEXT NOT NULL,
    "vector" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uif_partition_vectors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "uif_fusion_configs" (
    "id" SERIAL NOT NULL,
    "version" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "note" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uif_fusion_configs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "uif_embedding_cache" (
    "endpoint" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "dims" INTEGER NOT NULL,
    "text_hash" TEXT NOT NULL,
    "vector" BYTEA NOT NULL,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "hits" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uif_embedding_cache_pkey" PRIMARY KEY ("endpoint","model","dims","text_hash")
);

-- CreateTable
CREATE TABLE "uif_embedding_calls" (
    "id" SERIAL NOT NULL,
    "encoder_version_id" INTEGER,
    "endpoint" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "texts" INTEGER NOT NULL,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "tokens_estimated" BOOLEAN NOT NULL DEFAULT false,
    "cost_usd" DOUBLE PRECISION,
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL,
    "error_kind" TEXT,
    "error" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uif_embedding_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "uif_projections" (
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "encoder_version_id" INTEGER NOT NULL,
    "fusion_version" TEXT NOT NULL,
    "user_set_hash" TEXT NOT NULL,
    "points" JSONB NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uif_projections_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "uif_encoder_versions_version_key" ON "uif_encoder_versions"("version");

-- CreateIndex
CREATE INDEX "uif_encoder_versions_kind_fitted_until_idx" ON "uif_encoder_versions"("kind", "fitted_until");

-- CreateIndex
CREATE UNIQUE INDEX "uif_partition_vectors_encoder_summary_kind_key" ON "uif_partition_vectors"("encoder_version_id", "summary_id", "text_kind");

-- CreateIndex
CREATE INDEX "uif_partition_vectors_user_config_encoder_sealed_idx" ON "uif_partition_vectors"("user_id", "config_id", "encoder_version_id", "sealed_at_ts");

-- CreateIndex
CREATE INDEX "uif_partition_vectors_encoder_version_id_text_hash_idx" ON "uif_partition_vectors"("encoder_version_id", "text_hash");

-- CreateIndex
CREATE INDEX "uif_partition_vectors_summary_id_idx" ON "uif_partition_vectors"("summary_id");

-- CreateIndex
CREATE UNIQUE INDEX "uif_fusion_configs_version_key" ON "uif_fusion_configs"("version");

-- CreateIndex
CREATE INDEX "uif_embedding_calls_created_at_idx" ON "uif_embedding_calls"("created_at");

-- CreateIndex
CREATE INDEX "uif_projections_encoder_version_id_idx" ON "uif_projections"("encoder_version_id");

-- AddForeignKey
ALTER TABLE "uif_partition_vectors" ADD CONSTRAINT "uif_partition_vectors_encoder_version_id_fkey" FOREIGN KEY ("encoder_version_id") REFERENCES "uif_encoder_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uif_partition_vectors" ADD CONSTRAINT "uif_partition_vectors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uif_partition_vectors" ADD CONSTRAINT "uif_partition_vectors_summary_id_fkey" FOREIGN KEY ("summary_id") REFERENCES "partition_summaries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uif_projections" ADD CONSTRAINT "uif_projections_encoder_version_id_fkey" FOREIGN KEY ("encoder_version_id") REFERENCES "uif_encoder_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "partition_configs" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "note" TEXT,
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partition_configs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partition_config_labels" (
    "label" TEXT NOT NULL,
    "config_id" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partition_config_labels_pkey" PRIMARY KEY ("label")
);

-- CreateTable
CREATE TABLE "partitions" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "config_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "first_behavior_id" BIGINT NOT NULL,
    "last_behavior_id" BIGINT NOT NULL,
    "start_ts" TIMESTAMPTZ(3) NOT NULL,
    "end_ts" TIMESTAMPTZ(3) NOT NULL,
    "sealed_at_ts" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "category_histogram" JSONB NOT NULL,
    "seal_reason" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "late_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partition_states" (
    "user_id" INTEGER NOT NULL,
    "config_id" INTEGER NOT NULL,
    "state" JSONB NOT NULL,
    "events_seen" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partition_states_pkey" PRIMARY KEY ("user_id","config_id")
);

-- CreateTable
CREATE TABLE "partition_members" (
    "config_id" INTEGER NOT NULL,
    "behavior_id" BIGINT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,

    CONSTRAINT "partition_members_pkey" PRIMARY KEY ("config_id","behavior_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "partition_configs_name_version_key" ON "partition_configs"("name", "version");

-- CreateIndex
CREATE INDEX "partition_config_labels_config_id_idx" ON "partition_config_labels"("config_id");

-- CreateIndex
CREATE INDEX "partitions_config_id_content_hash_idx" ON "partitions"("config_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "partitions_user_id_config_id_seq_key" ON "partitions"("user_id", "config_id", "seq");

-- CreateIndex
CREATE INDEX "partition_states_config_id_idx" ON "partition_states"("config_id");

-- CreateIndex
CREATE INDEX "partition_members_config_id_user_id_seq_idx" ON "partition_members"("config_id", "user_id", "seq");

-- AddForeignKey
ALTER TABLE "partition_config_labels" ADD CONSTRAINT "partition_config_labels_config_id_fkey" FOREIGN KEY ("config_id") REFERENCES "partition_configs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partitions" ADD CONSTRAINT "partitions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partitions" ADD CONSTRAINT "partitions_config_id_fkey" FOREIGN KEY ("config_id") REFERENCES "partition_configs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition_states" ADD CONSTRAINT "partition_states_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition_states" ADD CONSTRAINT "partition_states_config_id_fkey" FOREIGN KEY ("config_id") REFERENCES "partition_configs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Partition membership, compact (issue 10): one partition_members row per event was most of the
-- ingest hook's write cost (a second index-maintained row for every behaviour). Now a sealed
-- partition carries its behaviour ids as one array (written once: partitions are immutable), and
-- the open cache's ids sit with the user's streaming state (rewritten with it, at most the cache).

ALTER TABLE "partitions" ADD COLUMN "behavior_ids" BIGINT[] DEFAULT ARRAY[]::BIGINT[];
ALTER TABLE "partition_states" ADD COLUMN "open_behavior_ids" BIGINT[] DEFAULT ARRAY[]::BIGINT[];

-- Move the existing memberships: each sealed partition gets its rows, each state the rows of the
-- seq its open cache will be sealed as (state.nextSeq). Rows of deleted behaviours go with them
-- (readers join behaviors, as before).
UPDATE "partitions" p
   SET "behavior_ids" = m.ids
  FROM (SELECT config_id, user_id, seq, array_agg(behavior_id ORDER BY behavior_id) AS ids
          FROM "partition_members" GROUP BY config_id, user_id, seq) m
 WHERE m.config_id = p.config_id AND m.user_id = p.user_id AND m.seq = p.seq;

UPDATE "partition_states" s
   SET "open_behavior_ids" = m.ids
  FROM (SELECT config_id, user_id, seq, array_agg(behavior_id ORDER BY behavior_id) AS ids
          FROM "partition_members" GROUP BY config_id, user_id, seq) m
 WHERE m.config_id = s.config_id AND m.user_id = s.user_id AND m.seq = (s.state->>'nextSeq')::int;

DROP TABLE "partition_members";

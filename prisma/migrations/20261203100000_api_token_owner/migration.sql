-- Issue 9 item 6: an API token dies with the account that created it, and may expire.
-- (Tokens made by `liber token create` have no creator and keep created_by_id NULL.)
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" TIMESTAMPTZ(3);

ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_created_by_id_fkey";
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

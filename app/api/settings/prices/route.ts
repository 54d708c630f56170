import { route } from "@/lib/auth/route";
import { listPrices, pricesInputSchema, savePrices } from "@/lib/summaries/settings";

export const dynamic = "force-dynamic";

/** GET /api/settings/prices: USD per million tokens, per provider and model (costs shown everywhere use it). */
export const GET = route({ access: "viewer" }, async () => ({ prices: await listPrices() }));

/** PUT /api/settings/prices { prices }: replaces the price table. */
export const PUT = route({ access: "admin", body: pricesInputSchema }, async ({ body }) => ({
  prices: await savePrices(body.prices),
}));

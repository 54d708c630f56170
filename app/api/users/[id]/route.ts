import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { getUserProfile } from "@/lib/users/profile";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}: profile and log summary. */
export const GET = route({ access: "viewer", params: userPathParams }, async ({ params }) => {
  const user = await getUserProfile(params.id);
  if (!user) throw notFound("User");
  return { user };
});

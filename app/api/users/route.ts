import { route } from "@/lib/auth/route";
import { listUsers } from "@/lib/users/list";
import { userListQuery } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users?q=&sort=events|first|last|externalId&dir=asc|desc&page=&pageSize= */
export const GET = route({ access: "viewer", query: userListQuery }, async ({ query }) => listUsers(query));

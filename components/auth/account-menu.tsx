"use client";

import { useState } from "react";
import { signOut, useSession } from "./use-session";

/** Bottom of the sidebar: who is signed in, with which role, and a sign-out button. */
export function AccountMenu() {
  const { session } = useSession();
  const [busy, setBusy] = useState(false);
  if (!session) return null;
  return (
    <div className="border-t border-slate-200 pt-3 text-sm" data-testid="account-menu">
      <div className="truncate px-3 font-medium text-slate-900" title={session.name}>
        {session.name}
      </div>
      <div className="px-3 text-xs text-slate-500">
        Role: <span data-testid="account-role">{session.role}</span>
      </div>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void signOut();
        }}
        className="mt-2 w-full rounded px-3 py-2 text-left text-slate-700 hover:bg-slate-200 disabled:opacity-50"
      >
        {busy ? "Signing out…" : "Sign out"}
      </button>
    </div>
  );
}

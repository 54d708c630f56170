"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatDateTime } from "@/components/ui/format";
import { fetchJson } from "@/lib/api/fetch-json";
import { ROLES, type Role } from "@/lib/auth/roles";
import { dangerLinkButton, InlineError, SettingsSection, smallButton, smallInput } from "./section";

interface TokenRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  createdBy: string | null;
}

/** Choices for a new token's lifetime, in days (null: never expires). */
const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: "never", days: null },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
  { label: "1 year", days: 365 },
];

const TOKENS_KEY = ["api-tokens"] as const;

/** Admins: bearer tokens for scripts and the ingestion API. A new token is shown once. */
export function ApiTokensSection() {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [role, setRole] = useState<Role>("editor");
  const [expiresInDays, setExpiresInDays] = useState<number | null>(null);
  // When the page was opened: "expired" marks are as of then (the list refetches after changes).
  const [openedAt] = useState(() => Date.now());
  const tokens = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: () => fetchJson<{ tokens: TokenRow[] }>("/api/tokens").then((r) => r.tokens),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
  const create = useMutation({
    mutationFn: (body: { name: string; role: Role; expiresInDays?: number }) =>
      fetchJson<{ token: string; apiToken: TokenRow }>("/api/tokens", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      }),
    onSuccess: (r) => setCreated({ name: r.apiToken.name, token: r.token }),
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: (id: number) => fetchJson(`/api/tokens/${id}`, { method: "DELETE" }),
    onSettled: refresh,
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formElement = e.currentTarget;
    const name = String(new FormData(formElement).get("name") ?? "");
    create.mutate(
      { name, role, ...(expiresInDays ? { expiresInDays } : {}) },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <SettingsSection
      title="API tokens"
      testId="api-tokens-section"
      description={
        <>
          For scripts and the ingestion API: send <code>Authorization: Bearer lbr_…</code>. A token acts with the role
          it was given, but never above its creator&apos;s current role; it stops working when revoked, when it expires,
          or when its creator&apos;s account is deleted.
        </>
      }
    >
      {created ? (
        <div className="mb-4 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" role="status">
          <p className="font-medium text-emerald-900">
            Token “{created.name}” created. Copy it now: it will not be shown again.
          </p>
          <div className="mt-2 flex items-center gap-2">
            <code
              className="block flex-1 overflow-x-auto rounded bg-white px-2 py-1 font-mono text-xs"
              data-testid="new-token"
            >
              {created.token}
            </code>
            <button
              type="button"
              className={smallButton}
              onClick={() => void navigator.clipboard?.writeText(created.token)}
            >
              Copy
            </button>
            <button type="button" className="text-sm text-slate-600 underline" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <InlineError error={tokens.error ?? revoke.error} />
      {tokens.data && tokens.data.length === 0 ? <p className="text-sm text-slate-500">No tokens yet.</p> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-2 font-medium">Name</th>
              <th className="py-2 font-medium">Token</th>
              <th className="py-2 font-medium">Role</th>
              <th className="py-2 font-medium">Created (UTC)</th>
              <th className="py-2 font-medium">Last used (UTC)</th>
              <th className="py-2 font-medium">Expires (UTC)</th>
              <th className="py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td className="py-2 font-medium text-slate-900">{t.name}</td>
                <td className="py-2 font-mono text-xs text-slate-600">{t.prefix}…</td>
                <td className="py-2">{t.role}</td>
                <td className="py-2 text-slate-600">
                  {formatDateTime(t.createdAt)}
                  {t.createdBy ? ` by ${t.createdBy}` : ""}
                </td>
                <td className="py-2 text-slate-600">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"}</td>
                <td className="py-2 text-slate-600" data-testid="token-expiry">
                  {t.expiresAt
                    ? `${formatDateTime(t.expiresAt)}${Date.parse(t.expiresAt) <= openedAt ? " (expired)" : ""}`
                    : "never"}
                </td>
                <td className="py-2 text-right">
                  <button
                    type="button"
                    className={dangerLinkButton}
                    disabled={revoke.isPending}
                    onClick={() => {
                      if (window.confirm(`Revoke “${t.name}”? Scripts using it stop working at once.`))
                        revoke.mutate(t.id);
                    }}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        onSubmit={submit}
        className="mt-4 flex flex-wrap items-end gap-2 border-t border-slate-100 pt-4"
        aria-label="Create an API token"
      >
        <label className="text-sm text-slate-700">
          Name
          <input
            name="name"
            required
            placeholder="e.g. nightly-ingest"
            autoComplete="off"
            className={`${smallInput} ml-2 w-48`}
          />
        </label>
        <label className="text-sm text-slate-700">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} className={`${smallInput} ml-2`}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm text-slate-700">
          Expires
          <select
            value={expiresInDays ?? ""}
            onChange={(e) => setExpiresInDays(e.target.value ? Number(e.target.value) : null)}
            className={`${smallInput} ml-2`}
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.label} value={c.days ?? ""}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending} className={smallButton}>
          Create token
        </button>
        <div className="w-full">
          <InlineError error={create.error} />
        </div>
      </form>
    </SettingsSection>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSession } from "@/components/auth/use-session";
import { formatDateTime } from "@/components/ui/format";
import { fetchJson } from "@/lib/api/fetch-json";
import { ROLES, type Role } from "@/lib/auth/roles";
import { dangerLinkButton, InlineError, linkButton, SettingsSection, smallButton, smallInput } from "./section";

interface AccountRow {
  id: number;
  name: string;
  role: Role;
  hasPassword: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

const ACCOUNTS_KEY = ["accounts"] as const;
const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json", accept: "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/** Admins: who can sign in, with which role. */
export function AccountsSection() {
  const queryClient = useQueryClient();
  const { session } = useSession();
  const [passwordFor, setPasswordFor] = useState<number | null>(null);
  const accounts = useQuery({
    queryKey: ACCOUNTS_KEY,
    queryFn: () => fetchJson<{ accounts: AccountRow[] }>("/api/accounts").then((r) => r.accounts),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ACCOUNTS_KEY });
  const update = useMutation({
    mutationFn: ({ id, ...body }: { id: number; role?: Role; password?: string }) =>
      fetchJson(`/api/accounts/${id}`, json("PATCH", body)),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: number) => fetchJson(`/api/accounts/${id}`, json("DELETE")),
    onSettled: refresh,
  });

  return (
    <SettingsSection
      title="Accounts"
      testId="accounts-section"
      description="Viewers read everything; editors also edit prompts and partitioning, recompute and import; admins also manage accounts, API tokens and LLM settings."
    >
      <InlineError error={accounts.error ?? update.error ?? remove.error} />
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-2 font-medium">Name</th>
            <th className="py-2 font-medium">Role</th>
            <th className="py-2 font-medium">Last sign-in (UTC)</th>
            <th className="py-2" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {accounts.data?.map((a) => (
            <tr key={a.id} data-testid={`account-${a.name}`}>
              <td className="py-2 font-medium text-slate-900">
                {a.name}
                {a.name === session?.name ? <span className="ml-2 text-xs text-slate-500">(you)</span> : null}
                {!a.hasPassword ? <span className="ml-2 text-xs text-amber-700">no password</span> : null}
              </td>
              <td className="py-2">
                <select
                  aria-label={`Role of ${a.name}`}
                  value={a.role}
                  disabled={update.isPending}
                  onChange={(e) => update.mutate({ id: a.id, role: e.target.value as Role })}
                  className={smallInput}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td className="py-2 text-slate-600">{formatDateTime(a.lastSignInAt)}</td>
              <td className="space-x-3 py-2 text-right">
                <button
                  type="button"
                  className={linkButton}
                  onClick={() => setPasswordFor(passwordFor === a.id ? null : a.id)}
                >
                  Set password
                </button>
                <button
                  type="button"
                  className={dangerLinkButton}
                  disabled={remove.isPending}
                  onClick={() => {
                    if (window.confirm(`Delete the account "${a.name}"? Its sessions end at once.`))
                      remove.mutate(a.id);
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {passwordFor !== null ? (
        <SetPasswordForm
          name={accounts.data?.find((a) => a.id === passwordFor)?.name ?? ""}
          pending={update.isPending}
          onCancel={() => setPasswordFor(null)}
          onSave={(password) => update.mutate({ id: passwordFor, password }, { onSuccess: () => setPasswordFor(null) })}
        />
      ) : null}
      <AddAccountForm onAdded={refresh} />
    </SettingsSection>
  );
}

/** Typed into a masked field, never a prompt(); a new password signs the account out elsewhere. */
function SetPasswordForm({
  name,
  pending,
  onSave,
  onCancel,
}: {
  name: string;
  pending: boolean;
  onSave: (password: string) => void;
  onCancel: () => void;
}) {
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    onSave(String(new FormData(e.currentTarget).get("password") ?? ""));
  }
  return (
    <form
      onSubmit={submit}
      className="mt-3 flex flex-wrap items-end gap-2 rounded-md bg-slate-50 p-3"
      aria-label={`New password for ${name}`}
    >
      <label className="text-sm text-slate-700">
        New password for <strong>{name}</strong>
        <input
          name="password"
          type="password"
          required
          minLength={8}
          autoFocus
          autoComplete="new-password"
          className={`${smallInput} ml-2 w-48`}
        />
      </label>
      <button type="submit" disabled={pending} className={smallButton}>
        Save
      </button>
      <button type="button" onClick={onCancel} className={linkButton}>
        Cancel
      </button>
      <p className="w-full text-xs text-slate-500">At least 8 characters. The account&apos;s other sessions end.</p>
    </form>
  );
}

function AddAccountForm({ onAdded }: { onAdded: () => void }) {
  const [role, setRole] = useState<Role>("viewer");
  const add = useMutation({
    mutationFn: (body: { name: string; role: Role; password: string }) =>
      fetchJson("/api/accounts", json("POST", body)),
    onSuccess: onAdded,
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    add.mutate(
      { name: String(form.get("name") ?? ""), role, password: String(form.get("password") ?? "") },
      { onSuccess: () => formElement.reset() },
    );
  }
  return (
    <form
      onSubmit={submit}
      className="mt-4 flex flex-wrap items-end gap-2 border-t border-slate-100 pt-4"
      aria-label="Add an account"
    >
      <label className="text-sm text-slate-700">
        Name
        <input name="name" required autoComplete="off" className={`${smallInput} ml-2 w-36`} />
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
        Password
        <input
          name="password"
          type="password"
          required
          minLength={8}
          autoComplete="new-password"
          className={`${smallInput} ml-2 w-40`}
        />
      </label>
      <button type="submit" disabled={add.isPending} className={smallButton}>
        Add account
      </button>
      <div className="w-full">
        <InlineError error={add.error} />
      </div>
    </form>
  );
}

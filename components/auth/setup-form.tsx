"use client";

import { useState, type FormEvent } from "react";
import { ApiRequestError, fetchJson } from "@/lib/api/fetch-json";
import { FormError, inputClass, labelClass, primaryButtonClass } from "./auth-card";

const MIN_LENGTH = 8;

/** First run: choose the admin's name and password, then land on the dashboard signed in. */
export function SetupForm({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password.length < MIN_LENGTH) return setError(`The password needs at least ${MIN_LENGTH} characters.`);
    if (password !== form.get("confirm")) return setError("The two passwords differ.");
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/auth/setup", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ token, name: form.get("name"), password }),
      });
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load: the server renders with the new cookie
      window.location.assign("/");
    } catch (err) {
      setBusy(false);
      const details =
        err instanceof ApiRequestError && Array.isArray(err.details) ? (err.details as { message: string }[]) : [];
      setError(details[0]?.message ?? (err instanceof Error ? err.message : "Setup failed."));
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4" noValidate>
      <FormError message={error} />
      <div>
        <label htmlFor="name" className={labelClass}>
          Admin name
        </label>
        <input
          id="name"
          name="name"
          defaultValue="admin"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          className={inputClass}
        />
      </div>
      <div>
        <label htmlFor="password" className={labelClass}>
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          autoFocus
          className={inputClass}
        />
        <p className="mt-1 text-xs text-slate-500">At least {MIN_LENGTH} characters.</p>
      </div>
      <div>
        <label htmlFor="confirm" className={labelClass}>
          Repeat the password
        </label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          className={inputClass}
        />
      </div>
      <button type="submit" disabled={busy} className={primaryButtonClass}>
        {busy ? "Creating the admin…" : "Create admin and sign in"}
      </button>
    </form>
  );
}

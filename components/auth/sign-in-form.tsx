"use client";

import { useState, type FormEvent } from "react";
import { ApiRequestError, fetchJson } from "@/lib/api/fetch-json";
import { FormError, inputClass, labelClass, primaryButtonClass } from "./auth-card";

/** Name + password. On success a full page load to `next`, so the app shell renders signed in. */
export function SignInForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/auth/sign-in", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ name: form.get("name"), password: form.get("password") }),
      });
      window.location.assign(next);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiRequestError && err.status === 422) setError("Enter your name and password.");
      else setError(err instanceof Error ? err.message : "Sign-in failed.");
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4" noValidate>
      <FormError message={error} />
      <div>
        <label htmlFor="name" className={labelClass}>
          Name
        </label>
        <input
          id="name"
          name="name"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
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
          autoComplete="current-password"
          required
          className={inputClass}
        />
      </div>
      <button type="submit" disabled={busy} className={primaryButtonClass}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SetupForm } from "@/components/auth/setup-form";
import { setupTokenState } from "@/lib/auth/first-run";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "First-run setup", referrer: "no-referrer" };

/** Reached through the one-time link `liber start` prints while no admin account exists. */
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const state = typeof token === "string" && token ? await setupTokenState(token) : "invalid";
  if (state === "usable") {
    return (
      <AuthCard title="Create the first admin" subtitle="This link works once. Choose the admin's name and password.">
        <SetupForm token={token as string} />
      </AuthCard>
    );
  }
  return (
    <AuthCard title={state === "admin-exists" ? "Already set up" : "This setup link does not work"}>
      <p className="text-sm text-slate-700" role="status">
        {state === "admin-exists"
          ? "An admin account exists, so first-run setup is closed."
          : "The link is invalid, expired (after 24 hours) or already used. Restart the server (npm start) to print a new one in its console."}
      </p>
      <Link href="/signin" className="mt-4 inline-block text-sm font-medium text-slate-900 underline">
        Go to sign-in
      </Link>
    </AuthCard>
  );
}

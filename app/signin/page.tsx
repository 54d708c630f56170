import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { adminExists } from "@/lib/auth/accounts";
import { safeNextPath } from "@/lib/auth/next-path";
import { pageCaller } from "@/lib/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next: rawNext } = await searchParams;
  const next = safeNextPath(typeof rawNext === "string" ? rawNext : undefined);
  if (await pageCaller()) redirect(next);
  const firstRun = !(await adminExists());
  return (
    <AuthCard title="Sign in" subtitle="Lifelong user interests from LLM summaries.">
      <SignInForm next={next} />
      {firstRun ? (
        <p className="mt-4 rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600" data-testid="first-run-hint">
          No admin account exists yet. Open the one-time setup link printed in the console where the server was started
          (<code>npm start</code>), or create one with <code>liber user add admin --role admin</code>.
        </p>
      ) : null}
    </AuthCard>
  );
}

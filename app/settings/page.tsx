import type { Metadata } from "next";
import { AccountsSection } from "@/components/settings/accounts-section";
import { ApiTokensSection } from "@/components/settings/api-tokens-section";
import { LlmPricesSection } from "@/components/settings/llm-prices-section";
import { LlmProviderSection } from "@/components/settings/llm-provider-section";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageCaller } from "@/lib/auth/page";
import { roleAllows } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settings" };

/**
 * Settings: admin-only sections (the API refuses non-admins regardless): the LLM provider and
 * model prices first, then accounts and API tokens.
 */
export default async function SettingsPage() {
  const caller = await requirePageCaller();
  const isAdmin = roleAllows(caller.role, "admin");
  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader
        title="Settings"
        description={
          <>
            Signed in as <strong>{caller.name}</strong> ({caller.role}).
            {isAdmin ? null : " Accounts, API tokens and LLM settings are managed by admins."}
          </>
        }
      />
      {isAdmin ? (
        <>
          <LlmProviderSection />
          <LlmPricesSection />
          <AccountsSection />
          <ApiTokensSection />
        </>
      ) : null}
    </div>
  );
}

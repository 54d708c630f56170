"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type LlmSettings, type ProviderName } from "@/lib/summaries/api-client";
import { Code } from "@/components/ui/states";
import {
  BUILTIN_MODEL,
  formFromSettings,
  formToUpdate,
  withProvider,
  type LlmSettingsErrors,
  type LlmSettingsForm,
} from "./llm-settings-model";
import { InlineError, SettingsSection, smallButton, smallInput } from "./section";

type NumericField = "temperature" | "maxTokens" | "timeoutMs" | "maxConcurrency" | "tokensPerMinute";

const PROVIDERS: { value: ProviderName; label: string }[] = [
  { value: "builtin", label: "builtin: rule-based summaries, offline (not an LLM)" },
  { value: "openai", label: "openai: any OpenAI-compatible endpoint" },
];

/** Admins: which provider writes the summaries. The API key stays in the server's environment. */
export function LlmProviderSection() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: queryKeys.summaries.llmSettings(), queryFn: uilApi.llmSettings });
  const [form, setForm] = useState<LlmSettingsForm | null>(null);
  const [errors, setErrors] = useState<LlmSettingsErrors>({});
  const [saved, setSaved] = useState(false);
  // The form starts from the saved settings once they arrive (set while rendering, not in an effect).
  if (settings.data && form === null) setForm(formFromSettings(settings.data));

  const save = useMutation({
    mutationFn: uilApi.saveLlmSettings,
    onSuccess: (next) => {
      queryClient.setQueryData(queryKeys.summaries.llmSettings(), next);
      setForm(formFromSettings(next));
      setSaved(true);
      // Summaries and costs shown elsewhere name the provider: read them again.
      void queryClient.invalidateQueries({ queryKey: queryKeys.summaries.all });
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!form) return;
    const update = formToUpdate(form);
    if (!update.ok) {
      setErrors(update.errors);
      return;
    }
    setErrors({});
    save.mutate(update.body);
  }
  const set = (key: keyof LlmSettingsForm, value: string) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, [key]: value } : f));
  };

  // A plain function, not a component: a component defined here would remount (and lose focus) on every keystroke.
  const numberField = (label: string, name: NumericField, hint?: string, decimal = false) => (
    <Field key={name} label={label} error={errors[name]} hint={hint}>
      {(field) => (
        <input
          {...field}
          value={form?.[name] ?? ""}
          onChange={(e) => set(name, e.target.value)}
          inputMode={decimal ? "decimal" : "numeric"}
          className={`${smallInput} w-full tabular-nums`}
        />
      )}
    </Field>
  );

  return (
    <SettingsSection
      title="LLM provider"
      testId="llm-provider-section"
      description="Who writes the interest summaries (UIL). Summaries are cached per provider, model, prompt and parameters, so switching does not discard any."
    >
      <InlineError error={settings.error} />
      {settings.data && form && (
        <form onSubmit={submit} noValidate aria-label="LLM provider" className="space-y-4">
          <ApiKeyStatus settings={settings.data} provider={form.provider} />
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Provider" error={errors.provider}>
              {(field) => (
                <select
                  {...field}
                  value={form.provider}
                  onChange={(e) => {
                    setSaved(false);
                    setForm(withProvider(form, e.target.value as ProviderName));
                  }}
                  className={`${smallInput} w-full`}
                >
                  {PROVIDERS.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Model"
              error={errors.model}
              hint={
                form.provider === "builtin"
                  ? "The builtin provider has one model."
                  : "e.g. gpt-4o-mini, or the name your server gives its model."
              }
            >
              {(field) => (
                <input
                  {...field}
                  value={form.model}
                  onChange={(e) => set("model", e.target.value)}
                  disabled={form.provider === "builtin"}
                  placeholder={form.provider === "builtin" ? BUILTIN_MODEL : "gpt-4o-mini"}
                  className={`${smallInput} w-full disabled:bg-slate-50 disabled:text-slate-500`}
                />
              )}
            </Field>
            {form.provider === "openai" && (
              <Field
                label="Base URL"
                error={errors.baseUrl}
                hint="OpenAI, vLLM, Ollama, llama.cpp server and LM Studio all speak this API."
                wide
              >
                {(field) => (
                  <input
                    {...field}
                    value={form.baseUrl}
                    onChange={(e) => set("baseUrl", e.target.value)}
                    placeholder="https://api.openai.com/v1"
                    inputMode="url"
                    className={`${smallInput} w-full font-mono`}
                  />
                )}
              </Field>
            )}
            {numberField("Temperature", "temperature", "0 to 2; low keeps summaries steady from run to run.", true)}
            {numberField("Max tokens", "maxTokens", "Upper bound on each answer's length.")}
          </div>
          <details className="rounded-md border border-slate-200 px-3 py-2">
            <summary className="cursor-pointer text-sm font-medium text-slate-700">Limits</summary>
            <div className="mt-3 grid gap-4 sm:grid-cols-3">
              {numberField("Timeout (ms)", "timeoutMs")}
              {numberField("Max concurrent calls", "maxConcurrency")}
              {numberField("Tokens per minute", "tokensPerMinute", "Empty: no limit.")}
            </div>
          </details>
          <div className="flex items-center gap-3">
            <button type="submit" disabled={save.isPending} className={smallButton}>
              {save.isPending ? "Saving…" : "Save LLM settings"}
            </button>
            {saved && !save.isPending && (
              <span role="status" className="text-sm text-emerald-700">
                Saved. New summaries use these settings.
              </span>
            )}
          </div>
          <InlineError error={save.error} />
        </form>
      )}
    </SettingsSection>
  );
}

/** Whether the server has a key, never the key; there is deliberately no field to type one in. */
function ApiKeyStatus({ settings, provider }: { settings: LlmSettings; provider: ProviderName }) {
  if (settings.apiKeyConfigured) {
    return (
      <p
        className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
        data-testid="api-key-status"
      >
        API key: <strong>configured</strong>
        {settings.apiKeySource === "env" ? " in the server's environment" : ""}. It is never shown or sent to the
        browser.
        {provider === "openai" && !settings.apiKeySentToBaseUrl
          ? " It is not sent to this base URL: the key goes only to LIBER_LLM_BASE_URL's origin or one listed in LIBER_LLM_KEY_ALLOWED_URLS."
          : ""}
      </p>
    );
  }
  return (
    <p
      className={`rounded-md border px-3 py-2 text-sm ${provider === "openai" ? "border-amber-300 bg-amber-50 text-amber-950" : "border-slate-200 bg-slate-50 text-slate-700"}`}
      data-testid="api-key-status"
    >
      API key: <strong>not configured</strong>. To use a hosted model, set <Code>LIBER_LLM_API_KEY</Code> in the
      server&apos;s environment and restart it; keys are never entered or stored here.
      {provider === "openai" ? " A local server (Ollama, vLLM, llama.cpp) may need no key." : ""}
    </p>
  );
}

/** A labelled control with its hint or error below, tied to it by aria-describedby. */
function Field({
  label,
  error,
  hint,
  wide = false,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  wide?: boolean;
  children: (props: { id: string; "aria-describedby": string; "aria-invalid": boolean }) => ReactNode;
}) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div className={`text-sm text-slate-700 ${wide ? "sm:col-span-2" : ""}`}>
      <label htmlFor={id} className="mb-1 block font-medium">
        {label}
      </label>
      {children({ id, "aria-describedby": `${id}-note`, "aria-invalid": Boolean(error) })}
      {note && (
        <p id={`${id}-note`} className={`mt-1 text-xs ${error ? "text-red-700" : "text-slate-500"}`}>
          {note}
        </p>
      )}
    </div>
  );
}

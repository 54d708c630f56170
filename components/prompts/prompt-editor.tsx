"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type PromptVersion } from "@/lib/summaries/api-client";
import {
  apiErrorLines,
  AVAILABLE_VARIABLES,
  BEHAVIOR_FIELDS,
  draftChanged,
  draftToRequest,
  toggleField,
  unknownVariables,
  VARIABLE_HELP,
  type DraftErrors,
  type PromptDraft,
} from "./prompt-form-model";
import { FieldError, inputClass, Panel, primaryButton, secondaryButton, textareaClass } from "./ui";

/**
 * The draft of a new version, started from an existing one. Saving creates the next version of
 * the name (versions are never changed in place); the playground below runs the draft unsaved.
 */
export function PromptEditor({
  draft,
  base,
  canSave,
  onChange,
  onReset,
  onSaved,
}: {
  draft: PromptDraft;
  base: PromptVersion;
  canSave: boolean;
  onChange: (draft: PromptDraft) => void;
  onReset: () => void;
  onSaved: (saved: PromptVersion) => void;
}) {
  const queryClient = useQueryClient();
  const templateRef = useRef<HTMLTextAreaElement>(null);
  const [errors, setErrors] = useState<DraftErrors>({});
  const save = useMutation({
    mutationFn: uilApi.createPrompt,
    onSuccess: (saved) => {
      // Listed at once (newest first), before the refetch confirms it.
      queryClient.setQueryData<PromptVersion[]>(queryKeys.summaries.prompts(), (old) =>
        old ? [saved, ...old.filter((v) => v.id !== saved.id)] : old,
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.summaries.prompts() });
      onSaved(saved);
    },
  });
  const changed = draftChanged(draft, base);
  const set = <K extends keyof PromptDraft>(key: K, value: PromptDraft[K]) => {
    onChange({ ...draft, [key]: value });
    if (errors[key as keyof DraftErrors]) setErrors({ ...errors, [key]: undefined });
  };

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const request = draftToRequest(draft);
    if (!request.ok) {
      setErrors(request.errors);
      return;
    }
    setErrors({});
    save.mutate(request.body);
  }

  /** Puts {{name}} at the cursor of the user template (or at its end). */
  function insertVariable(name: string) {
    const area = templateRef.current;
    const token = `{{${name}}}`;
    const start = area?.selectionStart ?? draft.userTemplate.length;
    const end = area?.selectionEnd ?? start;
    set("userTemplate", draft.userTemplate.slice(0, start) + token + draft.userTemplate.slice(end));
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(start + token.length, start + token.length);
    });
  }

  const liveUnknown = [...new Set([...unknownVariables(draft.system), ...unknownVariables(draft.userTemplate)])];
  const apiError = save.isError ? apiErrorLines(save.error) : null;

  return (
    <Panel
      id="prompt-editor"
      title="Edit into a new version"
      description={
        <>
          Starting from {base.name} v{base.version}
          {changed ? <span className="ml-1 font-medium text-amber-700">· edited, not saved</span> : " · no changes yet"}
        </>
      }
      actions={
        <button type="button" className={secondaryButton} onClick={onReset} disabled={!changed || save.isPending}>
          Discard changes
        </button>
      }
    >
      <form onSubmit={submit} noValidate aria-label="Prompt draft" className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-[1fr_2fr]">
          <label className="block text-xs font-medium text-slate-600">
            Name
            <input
              value={draft.name}
              onChange={(e) => set("name", e.target.value)}
              aria-invalid={Boolean(errors.name)}
              aria-describedby="draft-name-error"
              className={`${inputClass} mt-1`}
            />
            <FieldError id="draft-name-error" message={errors.name} />
          </label>
          <label className="block text-xs font-medium text-slate-600">
            Note (optional: why this version)
            <input
              value={draft.note}
              onChange={(e) => set("note", e.target.value)}
              className={`${inputClass} mt-1`}
              placeholder="e.g. shorter summaries"
            />
          </label>
        </div>

        {/* Labels beside (not around) the textareas: a wrapping label's text would include the template. */}
        <div>
          <label htmlFor="draft-system" className="block text-xs font-medium text-slate-600">
            System prompt
          </label>
          <textarea
            id="draft-system"
            value={draft.system}
            onChange={(e) => set("system", e.target.value)}
            rows={9}
            spellCheck={false}
            aria-invalid={Boolean(errors.system)}
            aria-describedby="draft-system-error"
            className={`${textareaClass} mt-1`}
          />
          <FieldError id="draft-system-error" message={errors.system} />
        </div>

        <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
          <div>
            <label htmlFor="draft-user-template" className="block text-xs font-medium text-slate-600">
              User template
            </label>
            <textarea
              id="draft-user-template"
              ref={templateRef}
              value={draft.userTemplate}
              onChange={(e) => set("userTemplate", e.target.value)}
              rows={14}
              spellCheck={false}
              aria-invalid={Boolean(errors.userTemplate)}
              aria-describedby="draft-template-error"
              className={`${textareaClass} mt-1`}
            />
            <FieldError id="draft-template-error" message={errors.userTemplate} />
          </div>
          <div aria-labelledby="variables-title" role="region">
            <h3 id="variables-title" className="text-xs font-medium text-slate-600">
              Available variables
            </h3>
            <p className="mt-0.5 text-[11px] text-slate-500">
              Click one to insert it at the cursor in the user template.
            </p>
            <ul className="mt-2 space-y-1.5">
              {AVAILABLE_VARIABLES.map((name) => (
                <li key={name} className="text-xs text-slate-600">
                  <button
                    type="button"
                    onClick={() => insertVariable(name)}
                    className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-800 ring-1 ring-slate-200 hover:bg-sky-50 hover:ring-sky-300"
                  >
                    {`{{${name}}}`}
                  </button>{" "}
                  {VARIABLE_HELP[name as keyof typeof VARIABLE_HELP]}
                </li>
              ))}
            </ul>
            {liveUnknown.length > 0 && (
              <p className="mt-3 rounded-md bg-amber-50 px-2 py-1.5 text-xs text-amber-900">
                Not a variable: {liveUnknown.map((u) => `{{${u}}}`).join(", ")}. Saving will be refused.
              </p>
            )}
          </div>
        </div>

        <fieldset className="rounded-md border border-slate-200 px-3 pt-2 pb-3">
          <legend className="px-1 text-xs font-medium text-slate-600">Behaviour lines</legend>
          <div className="flex flex-wrap items-start gap-x-6 gap-y-3">
            <div>
              <span className="text-xs text-slate-600">Fields, in column order</span>
              <div className="mt-1 flex flex-wrap gap-3">
                {BEHAVIOR_FIELDS.map((f) => (
                  <label key={f} className="flex items-center gap-1.5 text-sm text-slate-800">
                    <input
                      type="checkbox"
                      checked={draft.fields.includes(f)}
                      onChange={(e) => set("fields", toggleField(draft.fields, f, e.target.checked))}
                      className="h-3.5 w-3.5 accent-slate-900"
                    />
                    {f}
                  </label>
                ))}
              </div>
              <p className="mt-1 font-mono text-[11px] text-slate-500">{draft.fields.join(" | ") || "–"}</p>
              <FieldError id="draft-fields-error" message={errors.fields} />
            </div>
            <NumberField
              label="Max items"
              value={draft.maxItems}
              error={errors.maxItems}
              onChange={(v) => set("maxItems", v)}
              id="draft-max-items"
            />
            <NumberField
              label="Max title length"
              value={draft.maxTitleChars}
              error={errors.maxTitleChars}
              onChange={(v) => set("maxTitleChars", v)}
              id="draft-max-title"
            />
            <NumberField
              label="Token budget"
              value={draft.tokenBudget}
              error={errors.tokenBudget}
              onChange={(v) => set("tokenBudget", v)}
              id="draft-token-budget"
            />
          </div>
        </fieldset>

        {apiError && (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
            <p className="font-medium">The new version was not saved: {apiError.message}</p>
            {apiError.lines.length > 0 && (
              <ul className="mt-1 list-disc pl-5 text-xs">
                {apiError.lines.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            )}
          </div>
        )}

        <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-3">
          {canSave ? (
            <button type="submit" className={primaryButton} disabled={save.isPending || !changed}>
              {save.isPending ? "Saving…" : "Save as new version"}
            </button>
          ) : (
            <p className="text-xs text-slate-500">
              Viewers can draft and read; saving a version needs the editor role.
            </p>
          )}
          {!changed && canSave && (
            <span className="text-xs text-slate-500">Change something to save a new version.</span>
          )}
        </div>
      </form>
    </Panel>
  );
}

function NumberField({
  id,
  label,
  value,
  error,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  error?: string;
  onChange: (v: string) => void;
}) {
  return (
    <label className="block w-36 text-xs text-slate-600">
      {label}
      <input
        inputMode="numeric"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={Boolean(error)}
        aria-describedby={`${id}-error`}
        className={`${inputClass} mt-1 tabular-nums`}
      />
      <FieldError id={`${id}-error`} message={error} />
    </label>
  );
}

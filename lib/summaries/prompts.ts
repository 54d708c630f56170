import { diffLines } from "diff";
import { z } from "zod";
import { notFound, unprocessable } from "../api/errors";
import { db } from "../db/client";
import { Prisma } from "../db/generated/client";
import {
  DEFAULT_BEHAVIOR_RENDER_OPTIONS,
  DEFAULT_SYSTEM_PROMPT,
  DEFAULT_USER_TEMPLATE,
  PROMPT_VARIABLES,
  templateVariables,
  type BehaviorField,
  type BehaviorRenderOptions,
} from "../llm";
import type { DiffHunk, PromptDiff, PromptField, PromptVersion as PromptVersionView } from "./contract";
import { databaseUrl } from "../config";

/**
 * Prompt management (Langfuse style): a prompt name has immutable, numbered versions; labels
 * such as "production" are movable pointers to one version of the name. Making a version
 * production is an explicit label move (the API requires the editor role). Version 1 of
 * "uil" is seeded from the library's default templates, labelled production.
 */

export const DEFAULT_PROMPT_NAME = "uil";
export const PRODUCTION_LABEL = "production";
/** Moved automatically to each new version of a name. */
export const LATEST_LABEL = "latest";

const BEHAVIOR_FIELDS = ["date", "title", "categories", "kind", "value"] as const satisfies readonly BehaviorField[];

export const behaviorOptionsSchema = z.strictObject({
  fields: z
    .array(z.enum(BEHAVIOR_FIELDS))
    .min(1)
    .max(BEHAVIOR_FIELDS.length)
    .refine((f) => new Set(f).size === f.length, "a field may appear once"),
  maxItems: z.int().min(1).max(5000),
  maxTitleChars: z.int().min(8).max(1000),
  tokenBudget: z.int().min(100).max(200_000),
});

export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

const templateText = z.string().max(50_000);

export const promptDraftSchema = z.strictObject({
  system: templateText.min(1, "the system prompt is empty"),
  userTemplate: templateText.min(1, "the user template is empty"),
  behaviorOptions: behaviorOptionsSchema.optional(),
});
export type PromptDraft = z.infer<typeof promptDraftSchema>;

export const newPromptSchema = promptDraftSchema.extend({
  name: z.string().regex(PROMPT_NAME_PATTERN, "lower-case letters, digits, _ and -, at most 64"),
  note: z.string().trim().max(2000).optional(),
});
export type NewPrompt = z.infer<typeof newPromptSchema>;

export const labelSchema = z.string().regex(LABEL_PATTERN, "lower-case letters, digits, _ . and -, at most 40");

/** A resolved prompt, ready to render: a saved version or a playground draft (id null). */
export interface ResolvedPrompt {
  id: number | null;
  name: string;
  version: number | null;
  system: string;
  userTemplate: string;
  behaviorOptions: BehaviorRenderOptions;
  labels: string[];
}

/**
 * Rejects placeholders the renderer does not know, with the list of available ones (a 422).
 * Rendering would fail on them anyway, but only at the first call, after the version exists.
 */
export function validateTemplates(templates: { system: string; userTemplate: string }): void {
  const available = PROMPT_VARIABLES as readonly string[];
  const unknown = [
    ...new Set([...templateVariables(templates.system), ...templateVariables(templates.userTemplate)]),
  ].filter((name) => !available.includes(name));
  if (unknown.length === 0) return;
  const list = (names: readonly string[]) => names.map((n) => `{{${n}}}`).join(", ");
  throw unprocessable(
    `Unknown template variable${unknown.length > 1 ? "s" : ""} ${list(unknown)}. Available: ${list(available)}.`,
    { unknownVariables: unknown, availableVariables: available },
  );
}

export function resolveDraft(draft: PromptDraft): ResolvedPrompt {
  validateTemplates(draft);
  return {
    id: null,
    name: "draft",
    version: null,
    system: draft.system,
    userTemplate: draft.userTemplate,
    behaviorOptions: { ...DEFAULT_BEHAVIOR_RENDER_OPTIONS, ...draft.behaviorOptions },
    labels: [],
  };
}

type VersionRow = Prisma.PromptVersionGetPayload<{ include: { labels: true } }>;

function parseBehaviorOptions(value: unknown): BehaviorRenderOptions {
  const parsed = behaviorOptionsSchema.safeParse(value);
  return parsed.success ? parsed.data : { ...DEFAULT_BEHAVIOR_RENDER_OPTIONS };
}

function toView(row: VersionRow): PromptVersionView {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    system: row.system,
    userTemplate: row.userTemplate,
    behaviorOptions: parseBehaviorOptions(row.behaviorOptions),
    note: row.note,
    labels: row.labels.map((l) => l.label).sort(),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
  };
}

export function toResolved(view: PromptVersionView): ResolvedPrompt {
  return {
    id: view.id,
    name: view.name,
    version: view.version,
    system: view.system,
    userTemplate: view.userTemplate,
    behaviorOptions: parseBehaviorOptions(view.behaviorOptions),
    labels: view.labels,
  };
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

/** Databases (by URL) in which the default prompt is known to exist. */
const seeded = new Set<string>();

/**
 * Creates version 1 of "uil" from the default templates, labelled production and latest,
 * unless the name has any version already. Idempotent and safe under concurrent callers.
 */
export async function ensureDefaultPrompt(): Promise<void> {
  const dbKey = databaseUrl() ?? "";
  if (seeded.has(dbKey)) return;
  const existing = await db().promptVersion.findFirst({ where: { name: DEFAULT_PROMPT_NAME }, select: { id: true } });
  if (!existing) {
    try {
      await db().promptVersion.create({
        data: {
          name: DEFAULT_PROMPT_NAME,
          version: 1,
          system: DEFAULT_SYSTEM_PROMPT,
          userTemplate: DEFAULT_USER_TEMPLATE,
          behaviorOptions: { ...DEFAULT_BEHAVIOR_RENDER_OPTIONS },
          note: "Seeded from the library's default templates.",
          labels: {
            create: [
              { name: DEFAULT_PROMPT_NAME, label: PRODUCTION_LABEL },
              { name: DEFAULT_PROMPT_NAME, label: LATEST_LABEL },
            ],
          },
        },
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // another process seeded it first
    }
  }
  seeded.add(dbKey);
}

export async function listPrompts(): Promise<PromptVersionView[]> {
  await ensureDefaultPrompt();
  const rows = await db().promptVersion.findMany({
    include: { labels: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.map(toView);
}

export async function getPromptVersion(id: number): Promise<PromptVersionView | null> {
  const row = await db().promptVersion.findUnique({ where: { id }, include: { labels: true } });
  return row ? toView(row) : null;
}

/** The version a label of a name points at ("production" of "uil" by default). */
export async function getLabelledPrompt(
  label = PRODUCTION_LABEL,
  name = DEFAULT_PROMPT_NAME,
): Promise<PromptVersionView | null> {
  await ensureDefaultPrompt();
  const row = await db().promptLabel.findUnique({
    where: { name_label: { name, label } },
    include: { promptVersion: { include: { labels: true } } },
  });
  return row ? toView(row.promptVersion) : null;
}

/** A version id, or "production": the prompt a cascade should use (404 when missing). */
export async function requirePrompt(ref: number | "production" | undefined): Promise<ResolvedPrompt> {
  if (ref === undefined || ref === "production") {
    const production = await getLabelledPrompt();
    if (!production) throw notFound(`The "${PRODUCTION_LABEL}" version of prompt "${DEFAULT_PROMPT_NAME}"`);
    return toResolved(production);
  }
  await ensureDefaultPrompt();
  const version = await getPromptVersion(ref);
  if (!version) throw notFound(`Prompt version ${ref}`);
  return toResolved(version);
}

/** Writes the next version of `name` (1 for a new name) and moves "latest" to it. */
export async function createPromptVersion(input: NewPrompt, createdBy: string | null): Promise<PromptVersionView> {
  const data = newPromptSchema.parse(input);
  validateTemplates(data);
  await ensureDefaultPrompt();
  const behaviorOptions = { ...DEFAULT_BEHAVIOR_RENDER_OPTIONS, ...data.behaviorOptions };
  // Two writers may pick the same next version: the unique (name, version) index stops one, which retries.
  for (let attempt = 0; ; attempt++) {
    try {
      const id = await db().$transaction(async (tx) => {
        const last = await tx.promptVersion.aggregate({ where: { name: data.name }, _max: { version: true } });
        const created = await tx.promptVersion.create({
          data: {
            name: data.name,
            version: (last._max.version ?? 0) + 1,
            system: data.system,
            userTemplate: data.userTemplate,
            behaviorOptions,
            note: data.note || null,
            createdBy,
          },
        });
        await tx.promptLabel.upsert({
          where: { name_label: { name: data.name, label: LATEST_LABEL } },
          create: { name: data.name, label: LATEST_LABEL, promptVersionId: created.id },
          update: { promptVersionId: created.id },
        });
        return created.id;
      });
      return (await getPromptVersion(id))!;
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 5) throw err;
    }
  }
}

/** Moves `label` (within the version's prompt name) to version `id`. */
export async function setPromptLabel(id: number, label: string): Promise<PromptVersionView> {
  const checked = labelSchema.parse(label);
  const version = await db().promptVersion.findUnique({ where: { id }, select: { id: true, name: true } });
  if (!version) throw notFound(`Prompt version ${id}`);
  await db().promptLabel.upsert({
    where: { name_label: { name: version.name, label: checked } },
    create: { name: version.name, label: checked, promptVersionId: id },
    update: { promptVersionId: id },
  });
  return (await getPromptVersion(id))!;
}

function hunks(a: string, b: string): DiffHunk[] {
  return diffLines(a, b).map((change) => ({
    ...(change.added ? { added: true } : {}),
    ...(change.removed ? { removed: true } : {}),
    value: change.value,
  }));
}

const optionsText = (options: unknown) => `${JSON.stringify(options, null, 2)}\n`;

/** Line diff of two versions, field by field (any two versions, of any names). */
export async function diffPromptVersions(aId: number, bId: number): Promise<PromptDiff> {
  const [a, b] = await Promise.all([getPromptVersion(aId), getPromptVersion(bId)]);
  if (!a) throw notFound(`Prompt version ${aId}`);
  if (!b) throw notFound(`Prompt version ${bId}`);
  const fields: PromptDiff["fields"] = (
    [
      ["system", a.system, b.system],
      ["userTemplate", a.userTemplate, b.userTemplate],
      ["behaviorOptions", optionsText(a.behaviorOptions), optionsText(b.behaviorOptions)],
    ] as [PromptField, string, string][]
  ).map(([field, before, after]) => ({ field, changed: before !== after, hunks: hunks(before, after) }));
  return { a, b, fields };
}

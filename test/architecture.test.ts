import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule of lib/ (README, "Architecture"): folders form layers and imports only go
 * down. A folder may import folders of a lower layer, never one of its own layer or above, and
 * nothing in lib/ imports app/ or components/. Files directly under lib/ count as a folder of
 * their own name (lib/config.ts is `config`). Tests and test support files (`*.test.ts`,
 * `test-*.ts`) stand outside the layers: they may drive routes and fixtures from anywhere.
 */
const LAYERS: string[][] = [
  ["config", "liber"],
  ["llm", "db", "api"],
  ["auth", "users"],
  ["partitions"],
  ["ingest", "summaries"],
  ["uif"],
  // The order log -> partitions -> summaries -> vectors (lib/pipeline); the queue runs it (lib/jobs).
  ["ctr", "pipeline"],
  ["jobs"],
  ["datasets"],
  ["bench"],
  ["server"],
  // query-keys: the browser's cache keys for every domain's client; nothing in lib/ imports it.
  ["cli", "query-keys"],
];

/** Known arrows that break the rule, each with the reason and what removes it. Keep this short. */
const ALLOWED: Record<string, string> = {};

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");
const isTestCode = (file: string) => /\.test\.tsx?$/.test(file) || /^test-/.test(path.basename(file));

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "fixtures") sourceFiles(full, out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** "lib/partitions/store.ts" -> "partitions", "lib/config.ts" -> "config", "app/x/route.ts" -> "app/". */
function unitOf(repoPath: string): string {
  const parts = repoPath.split("/");
  if (parts[0] !== "lib") return `${parts[0]}/`;
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.tsx?$/, "");
}

interface Import {
  from: string;
  to: string;
  file: string;
  line: number;
  specifier: string;
}

function libImports(): Import[] {
  const imports: Import[] = [];
  for (const file of sourceFiles(LIB)) {
    if (isTestCode(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    const repoPath = path.relative(ROOT, file).split(path.sep).join("/");
    const lineOf = (pos: number) => text.slice(0, pos).split("\n").length;
    // Static imports, re-exports, `import type` and dynamic import() alike.
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const specifier = ref.fileName;
      let target: string;
      if (specifier.startsWith("@/")) target = specifier.slice(2);
      else if (specifier.startsWith(".")) target = path.relative(ROOT, path.resolve(path.dirname(file), specifier));
      else continue; // a package
      target = target.split(path.sep).join("/");
      imports.push({ from: unitOf(repoPath), to: unitOf(target), file: repoPath, line: lineOf(ref.pos), specifier });
    }
  }
  return imports;
}

const layerOf = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));
const show = (i: Import) => `${i.file}:${i.line} imports "${i.specifier}" (${i.from} -> ${i.to})`;

describe("lib/ dependency rule", () => {
  const imports = libImports().filter((i) => i.from !== i.to);

  it("finds the imports it checks", () => {
    expect(imports.some((i) => i.from === "partitions" && i.to === "liber")).toBe(true);
  });

  it("every lib/ folder has a place in the layers", () => {
    const units = new Set(sourceFiles(LIB).map((f) => unitOf(path.relative(ROOT, f).split(path.sep).join("/"))));
    const unplaced = [...units].filter((u) => !layerOf.has(u));
    expect(unplaced, "add these lib/ folders to LAYERS in test/architecture.test.ts").toEqual([]);
  });

  it("nothing in lib/ imports app/ or components/", () => {
    const outward = imports.filter((i) => i.to === "app/" || i.to === "components/").map(show);
    expect(outward).toEqual([]);
  });

  it("imports between lib/ folders only go down a layer or more", () => {
    const upward = imports
      .filter((i) => layerOf.has(i.to) && !(`${i.from} -> ${i.to}` in ALLOWED))
      .filter((i) => layerOf.get(i.to)! >= layerOf.get(i.from)!)
      .map(show);
    expect(upward).toEqual([]);
  });

  it("the allowed exceptions are still needed (remove an entry once its arrow is gone)", () => {
    const used = new Set(imports.map((i) => `${i.from} -> ${i.to}`));
    expect(Object.keys(ALLOWED).filter((edge) => !used.has(edge))).toEqual([]);
  });

  it("no circle between lib/ folders, exceptions included", () => {
    const edges = new Map<string, Import[]>();
    for (const i of imports) if (layerOf.has(i.to)) edges.set(i.from, [...(edges.get(i.from) ?? []), i]);
    const circles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (unit: string, trail: Import[]) => {
      state.set(unit, "open");
      for (const edge of edges.get(unit) ?? []) {
        if (state.get(edge.to) === "open") {
          const start = trail.findIndex((t) => t.from === edge.to);
          circles.push([...trail.slice(start), edge].map(show).join("\n  then "));
        } else if (!state.has(edge.to)) visit(edge.to, [...trail, edge]);
      }
      state.set(unit, "done");
    };
    for (const unit of edges.keys()) if (!state.has(unit)) visit(unit, []);
    expect(circles).toEqual([]);
  });
});

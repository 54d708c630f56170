import fs from "node:fs";
import path from "node:path";

/**
 * The tfjs wasm backend loads its .wasm binaries by URL; the CTR Lab's worker points it at
 * /tfjs/ (setWasmPaths). They are copied from the installed package into public/tfjs/ at build
 * and start (not committed: they follow the installed version), and only when they differ.
 */
export function copyTfjsWasm(root: string): string[] {
  const from = path.join(root, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist");
  const to = path.join(root, "public", "tfjs");
  if (!fs.existsSync(from)) return [];
  fs.mkdirSync(to, { recursive: true });
  const copied: string[] = [];
  for (const name of fs
    .readdirSync(from)
    .filter((n) => n.endsWith(".wasm"))
    .sort()) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    const same =
      fs.existsSync(dst) &&
      fs.statSync(dst).size === fs.statSync(src).size &&
      fs.readFileSync(dst).equals(fs.readFileSync(src));
    if (!same) {
      fs.copyFileSync(src, dst);
      copied.push(name);
    }
  }
  return copied;
}

// Copies the tfjs wasm backend's binaries into public/tfjs/ (see lib/server/tfjs-wasm.ts); run before `next build`.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const from = path.join(root, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist");
const to = path.join(root, "public", "tfjs");
if (fs.existsSync(from)) {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from).filter((n) => n.endsWith(".wasm")))
    fs.copyFileSync(path.join(from, name), path.join(to, name));
}

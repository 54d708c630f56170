import { encodeMissing, fitBuiltinVersion, resolveScope } from "./encoding";
import { precomputeUmap } from "./features";
import { getEncoderVersion, latestEncoderVersion, usersWithSummaries } from "./store";

/**
 * After the demo's summaries: a builtin IDF version fitted on the stored summaries (unless the
 * after-summaries hook made one already), every summarised partition encoded, and the
 * population UMAP computed so that the map opens at once. Never fails the start.
 */
export async function encodeDemoData(log: (line: string) => void): Promise<void> {
  try {
    const started = performance.now();
    const scope = await resolveScope();
    // Nothing summarised (e.g. too few events to seal a partition): no encoder version, no line.
    if ((await usersWithSummaries(scope.configId, scope.promptVersionId)).length === 0) return;
    let row = await latestEncoderVersion("builtin", null);
    if (!row) row = await getEncoderVersion((await fitBuiltinVersion({ scope, createdBy: "demo" })).encoder.id);
    const result = await encodeMissing(row!, { scope, createdBy: "demo" });
    const umap = await precomputeUmap();
    log(
      `demo data: ${result.encoder.vectors.toLocaleString("en")} partition vectors (${row!.version})` +
        `${umap ? ", population map computed" : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    log(
      `demo data: encoding failed (${err instanceof Error ? err.message : String(err)}); retry with \`liber encode\``,
    );
  }
}

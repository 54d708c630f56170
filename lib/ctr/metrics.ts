/**
 * CTR metrics, pure TypeScript (no tfjs), as FuxiCTR / Microsoft Recommenders define them:
 * - AUC: the Mann-Whitney statistic with tied scores given half credit (average ranks);
 * - LogLoss: mean binary cross-entropy with predictions clipped to [eps, 1 - eps];
 * - gAUC: per-user AUC weighted by the user's number of samples; users whose samples are all
 *   of one class are skipped (their AUC is undefined).
 * Plus ROC curve points and a paired difference over seeds with a 95% t-interval.
 */

export const LOGLOSS_EPS = 1e-7;

/** AUC with ties handled by average ranks; NaN when only one class is present. */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (scores.length !== n) throw new Error(`auc: ${n} labels but ${scores.length} scores`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]! > 0.5) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function logloss(labels: ArrayLike<number>, probs: ArrayLike<number>, eps = LOGLOSS_EPS): number {
  const n = labels.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]!));
    sum += labels[i]! > 0.5 ? -Math.log(p) : -Math.log(1 - p);
  }
  return sum / n;
}

/** Per-user AUC weighted by the user's sample count; one-class users skipped. */
export function gauc(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  users: ArrayLike<number>,
): { gauc: number; users: number; skippedUsers: number } {
  const byUser = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const u = users[i]!;
    let rows = byUser.get(u);
    if (!rows) byUser.set(u, (rows = []));
    rows.push(i);
  }
  let weighted = 0;
  let weight = 0;
  let used = 0;
  let skipped = 0;
  for (const rows of byUser.values()) {
    const value = auc(
      rows.map((r) => labels[r]!),
      rows.map((r) => scores[r]!),
    );
    if (Number.isNaN(value)) {
      skipped++;
      continue;
    }
    weighted += value * rows.length;
    weight += rows.length;
    used++;
  }
  return { gauc: weight > 0 ? weighted / weight : NaN, users: used, skippedUsers: skipped };
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

/**
 * ROC curve: one point per distinct score (ties move diagonally), from (0,0) to (1,1),
 * thinned to at most `maxPoints` for charts (always keeping the end points).
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 200): RocPoint[] {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > 0.5) positives++;
  const negatives = n - positives;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < n) {
    const threshold = scores[order[i]!]!;
    while (i < n && scores[order[i]!] === threshold) {
      if (labels[order[i]!]! > 0.5) tp++;
      else fp++;
      i++;
    }
    points.push({
      fpr: negatives > 0 ? fp / negatives : 0,
      tpr: positives > 0 ? tp / positives : 0,
      threshold,
    });
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  const thinned: RocPoint[] = [];
  for (let k = 0; k < maxPoints; k++) thinned.push(points[Math.round(k * step)]!);
  return thinned;
}

/** Two-sided 95% quantiles of Student's t for df = 1..30; the normal 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  return df <= T975.length ? T975[df - 1]! : 1.96;
}

export interface PairedDifference {
  /** mean of (b - a) over seeds */
  mean: number;
  /** sample standard deviation of the differences (NaN with one seed) */
  sd: number;
  n: number;
  /** 95% t-interval: mean ± t(0.975, n-1) · sd / sqrt(n); null with fewer than 2 seeds */
  ci95: [number, number] | null;
  /** the per-seed differences */
  values: number[];
}

/**
 * Paired difference b - a over seeds (each seed trains both variants on the same data order
 * and the same shared initial weights, so the pairs are matched). The interval is the
 * t-interval over seeds: it covers seed-to-seed training noise only, not the sampling noise
 * of the test set, and with 3 seeds it is wide (t = 4.303).
 */
export function pairedDifference(a: number[], b: number[]): PairedDifference {
  if (a.length !== b.length) throw new Error("pairedDifference: unequal lengths");
  const values = a.map((x, i) => b[i]! - x);
  const n = values.length;
  const mean = n > 0 ? values.reduce((s, v) => s + v, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  const ci95: [number, number] | null =
    n > 1 ? [mean - (tQuantile975(n - 1) * sd) / Math.sqrt(n), mean + (tQuantile975(n - 1) * sd) / Math.sqrt(n)] : null;
  return { mean, sd, n, ci95, values };
}

export function mean(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((s, v) => s + v, 0) / finite.length : NaN;
}

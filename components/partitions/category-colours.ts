// One category -> colour map for the whole UI: a category has the same colour in every
// timeline band, share chart, legend and chip, on every page and after every reload.
//
// The genres of MovieLens (the demo data and the first-class importer) have hand-picked,
// mutually distinct colours so that the charts a new user sees first never show two genres
// in one colour. Any other category (Last.fm tags, a generic import's categories) gets a
// colour from a hash of its name: stable, but two such categories may share a colour, so the
// charts always name categories in legends and tooltips too.

export const OTHER_CATEGORY = "Other";
export const OTHER_COLOUR = "#cbd5e1"; // slate-300
/** A partition with no categorised events. */
export const NO_CATEGORY_COLOUR = "#94a3b8"; // slate-400

const MOVIELENS_GENRES: Record<string, string> = {
  drama: "#2563eb", // blue-600
  comedy: "#f59e0b", // amber-500
  action: "#dc2626", // red-600
  thriller: "#7c3aed", // violet-600
  adventure: "#16a34a", // green-600
  romance: "#ec4899", // pink-500
  "sci-fi": "#06b6d4", // cyan-500
  crime: "#475569", // slate-600
  fantasy: "#c084fc", // purple-400
  children: "#84cc16", // lime-500
  mystery: "#4338ca", // indigo-700
  horror: "#7f1d1d", // red-900
  animation: "#f97316", // orange-500
  war: "#a8a29e", // stone-400
  musical: "#d946ef", // fuchsia-500
  documentary: "#0d9488", // teal-600
  imax: "#0369a1", // sky-700
  western: "#a16207", // yellow-700
  "film-noir": "#1e293b", // slate-800
  "(no genres listed)": NO_CATEGORY_COLOUR,
};

/** Distinguishable hues (Tailwind 400-700) for categories outside the hand-picked set. */
const HASHED_PALETTE = [
  "#0ea5e9",
  "#e11d48",
  "#22c55e",
  "#eab308",
  "#8b5cf6",
  "#14b8a6",
  "#f43f5e",
  "#65a30d",
  "#ea580c",
  "#6366f1",
  "#0891b2",
  "#c026d3",
  "#ca8a04",
  "#059669",
  "#9333ea",
  "#be123c",
  "#2dd4bf",
  "#fb923c",
  "#a3e635",
  "#818cf8",
  "#b45309",
  "#15803d",
  "#db2777",
  "#1d4ed8",
] as const;

/** FNV-1a, 32 bit: a tiny, well-spread string hash that is the same in every browser. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function normalise(category: string): string {
  return category.trim().toLowerCase();
}

const cache = new Map<string, string>();

/** The colour of a category (case and surrounding spaces do not matter). */
export function categoryColour(category: string | null | undefined): string {
  if (category === null || category === undefined || category.trim() === "") return NO_CATEGORY_COLOUR;
  if (category === OTHER_CATEGORY) return OTHER_COLOUR;
  let colour = cache.get(category);
  if (colour === undefined) {
    const key = normalise(category);
    colour = MOVIELENS_GENRES[key] ?? HASHED_PALETTE[fnv1a(key) % HASHED_PALETTE.length]!;
    cache.set(category, colour);
  }
  return colour;
}

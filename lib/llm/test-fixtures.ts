import type { BehaviorItem, SummariseContext } from "./types";

/** Test helper: MovieLens-like partitions of one user whose taste drifts. Not for production use. */

const DAY = 86_400_000;
const START = Date.UTC(2000, 0, 1);

function rating(day: number, title: string, categories: string[], value: number): BehaviorItem {
  return { title, categories, ts: START + day * DAY, kind: "rating", value };
}

/** Partition 0: family animation and comedy from the 1990s, rated highly. */
export const familyPartition: SummariseContext = {
  profile: { age: 25, gender: "F", occupation: "artist" },
  previous: null,
  partitionIndex: 0,
  timeRange: { start: START, end: START + 30 * DAY },
  behaviors: [
    rating(1, "Toy Story (1995)", ["Animation", "Children's", "Comedy"], 5),
    rating(3, "Aladdin (1992)", ["Animation", "Children's", "Comedy", "Musical"], 4),
    rating(6, "Lion King, The (1994)", ["Animation", "Children's", "Musical"], 5),
    rating(9, "Babe (1995)", ["Children's", "Comedy", "Drama"], 4),
    rating(12, "Groundhog Day (1993)", ["Comedy", "Romance"], 4),
    rating(15, "Beauty and the Beast (1991)", ["Animation", "Children's", "Musical"], 5),
    rating(18, "Jumanji (1995)", ["Adventure", "Children's", "Fantasy"], 3),
    rating(21, "Little Mermaid, The (1989)", ["Animation", "Children's", "Comedy", "Musical"], 4),
    rating(25, "Home Alone (1990)", ["Children's", "Comedy"], 2),
    rating(29, "Toy Story 2 (1999)", ["Animation", "Children's", "Comedy"], 5),
  ],
};

/** Partition 1 (previous summary to be filled in by the test): crime thrillers take over. */
export function thrillerPartition(previous: SummariseContext["previous"]): SummariseContext {
  const start = START + 31 * DAY;
  const at = (day: number) => start + day * DAY;
  return {
    profile: familyPartition.profile,
    previous,
    partitionIndex: 1,
    timeRange: { start, end: at(30) },
    behaviors: [
      { title: "Fargo (1996)", categories: ["Crime", "Drama", "Thriller"], ts: at(1), kind: "rating", value: 5 },
      { title: "Se7en (1995)", categories: ["Crime", "Thriller"], ts: at(4), kind: "rating", value: 5 },
      { title: "Heat (1995)", categories: ["Action", "Crime", "Thriller"], ts: at(8), kind: "rating", value: 4 },
      {
        title: "Silence of the Lambs, The (1991)",
        categories: ["Drama", "Thriller"],
        ts: at(12),
        kind: "rating",
        value: 5,
      },
      { title: "Usual Suspects, The (1995)", categories: ["Crime", "Thriller"], ts: at(15), kind: "rating", value: 5 },
      {
        title: "Toy Story (1995)",
        categories: ["Animation", "Children's", "Comedy"],
        ts: at(18),
        kind: "rating",
        value: 3,
      },
      { title: "Reservoir Dogs (1992)", categories: ["Crime", "Thriller"], ts: at(22), kind: "rating", value: 4 },
      {
        title: "Chinatown (1974)",
        categories: ["Film-Noir", "Mystery", "Thriller"],
        ts: at(27),
        kind: "rating",
        value: 4,
      },
    ],
  };
}

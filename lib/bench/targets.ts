import { ctrBenchTarget } from "./ctr-target";
import { ingestBenchTarget } from "./ingest-target";
import { jobsBenchTarget } from "./jobs-target";
import type { BenchTarget } from "./target";
import { ubspBenchTarget } from "./ubsp-target";
import { uifBenchTarget } from "./uif-target";
import { uilBenchTarget } from "./uil-target";

/** Every `liber bench <target>`, in the order of `liber bench --help`. To add one, append it here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each target has its own result type
export const BENCH_TARGETS: BenchTarget<any>[] = [
  ingestBenchTarget,
  uilBenchTarget,
  ubspBenchTarget,
  uifBenchTarget,
  ctrBenchTarget,
  jobsBenchTarget,
];

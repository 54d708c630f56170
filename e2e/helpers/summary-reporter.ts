import type { FullResult, Reporter, Suite } from "@playwright/test/reporter";

/**
 * Ends the output with one line a CI log reader can parse, whatever happened before it
 * (the "list" reporter ends with the titles of failed tests when there are failures):
 *   e2e summary: status=passed passed=3 failed=0 flaky=0 skipped=0 duration=45.2s
 */
export default class SummaryReporter implements Reporter {
  private suite: Suite | undefined;

  onBegin(_config: unknown, suite: Suite): void {
    this.suite = suite;
  }

  printsToStdio(): boolean {
    return true;
  }

  onEnd(result: FullResult): void {
    const counts = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
    for (const test of this.suite?.allTests() ?? []) {
      const outcome = test.outcome();
      if (outcome === "expected") counts.passed++;
      else if (outcome === "unexpected") counts.failed++;
      else if (outcome === "flaky") counts.flaky++;
      else counts.skipped++;
    }
    const fields = Object.entries(counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    process.stdout.write(
      `\ne2e summary: status=${result.status} ${fields} duration=${(result.duration / 1000).toFixed(1)}s\n`,
    );
  }
}

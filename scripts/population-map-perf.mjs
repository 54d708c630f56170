// How fluid the population map stays with N synthetic users (default 6,000): signs in to a
// running dashboard, replaces the population and neighbours answers with N synthetic points,
// then reports load time, long tasks and pointer-move-to-frame latency over 300 moves.
//   LIBER_URL=http://127.0.0.1:3000 LIBER_ADMIN_PASSWORD=… node scripts/population-map-perf.mjs 6000
import { chromium } from "@playwright/test";
const base = process.env.LIBER_URL ?? "http://127.0.0.1:3000";
const N = Number(process.argv[2] ?? 6000);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(120000);
await page.addInitScript(() => {
  window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push({ t: e.startTime, d: e.duration });
  }).observe({ type: "longtask", buffered: true });
});
await page.goto(`${base}/signin`);
await page.getByLabel("Name").fill("admin");
await page.getByLabel("Password", { exact: true }).fill(process.env.LIBER_ADMIN_PASSWORD ?? "");
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
// Synthetic population: N users in 12 gaussian blobs, genres as colours.
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const genres = [
  "Drama",
  "Comedy",
  "Action",
  "Thriller",
  "Adventure",
  "Romance",
  "Sci-Fi",
  "Crime",
  "Horror",
  "Children",
  "Animation",
  "War",
];
const points = Array.from({ length: N }, (_, i) => {
  const b = i % 12;
  return {
    user: `u${i}`,
    x: Math.cos(b) * 5 + gauss(),
    y: Math.sin(b * 1.7) * 5 + gauss(),
    partitions: 1 + (i % 40),
    events: 20 + ((i * 37) % 3000),
    color: genres[b],
  };
});
const real = await (await page.request.get(`${base}/api/uif/population?projection=pca&color=dominantCategory`)).json();
await page.route("**/api/uif/population**", (r) =>
  r.fulfill({ json: { ...real, points, projection: "pca", pending: false } }),
);
await page.route("**/api/users/*/neighbours**", (r) =>
  r.fulfill({
    json: {
      user: "u5",
      encoder: real.encoder,
      fusion: real.fusion,
      reason: null,
      neighbours: Array.from({ length: 10 }, (_, i) => ({
        user: `u${i * 12 + 17}`,
        similarity: 0.9 - i * 0.02,
        partitions: 3,
      })),
    },
  }),
);
const t0 = Date.now();
await page.goto(`${base}/population?user=u5`);
const map = page.getByRole("img", { name: new RegExp(`^Map of ${N.toLocaleString("en-US")} users`) });
await map.waitFor();
await page.waitForTimeout(1000);
const loadLong = await page.evaluate(() => window.__long.splice(0));
console.log(
  `visible after ${Date.now() - t0} ms; long tasks during load: ${loadLong.length}, max ${Math.max(0, ...loadLong.map((l) => l.d)).toFixed(0)} ms`,
);
const box = await page.getByTestId("population-map").boundingBox();
const moves = 300;
const h0 = Date.now();
for (let i = 0; i < moves; i++) {
  await page.mouse.move(
    box.x + box.width * (0.1 + (0.8 * ((i * 37) % 100)) / 100),
    box.y + box.height * (0.1 + (0.8 * ((i * 61) % 100)) / 100),
  );
}
const hoverMs = Date.now() - h0;
await page.waitForTimeout(300);
const hoverLong = await page.evaluate(() => window.__long.splice(0));
// Per-hover cost inside the page: time a pointermove dispatch + React commit via rAF.
const perHover = await page.evaluate(async () => {
  const c = document.querySelectorAll('[data-testid="population-map"] canvas')[1];
  const r = c.getBoundingClientRect();
  const times = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    c.dispatchEvent(
      new PointerEvent("pointermove", {
        bubbles: true,
        clientX: r.left + ((i * 53) % r.width),
        clientY: r.top + ((i * 29) % r.height),
      }),
    );
    await new Promise((res) => requestAnimationFrame(() => res()));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[50], p95: times[95] };
});
console.log(
  `${moves} pointer moves in ${hoverMs} ms (playwright round trips incl.); long tasks during hover: ${hoverLong.length}, max ${Math.max(0, ...hoverLong.map((l) => l.d)).toFixed(0)} ms; move->next frame p50 ${perHover.p50.toFixed(1)} ms p95 ${perHover.p95.toFixed(1)} ms`,
);
await page.screenshot({ path: "/tmp/uifui-shots/pop6000.png" });
await browser.close();

// Time to first paint of the dashboard in headless chromium (bench/dashboard/run.sh): the runs
// page over a folder of many runs and the page of a big study, each opened ROUNDS times in a
// fresh browser context (no cache, no cookies). Times are milliseconds from the start of the
// navigation (performance.now()):
//
//   FP, FCP       the browser's first paint and first contentful paint (Paint Timing API)
//   rows          the first rows of the runs table / the trials table shown: the moment a
//                 MutationObserver sees them, then the next frame painted (requestAnimationFrame
//                 and a task after it)
//   plots         study page: every plot drawn (history, importance, intermediate values,
//                 slices, parallel coordinates), the same way
//   bundle        app.js (plotly.js and the views, 4.7 MB) downloaded: responseEnd of its
//                 Resource Timing entry; the page is drawn by it, so nothing but the empty page
//                 paints before it has been parsed and run
//   api           /api/runs (/api/study) as the page fetched it: asked (fetchStart) and
//                 answered (responseEnd), and its size
//
//   node bench/dashboard/first_paint.mjs --url URL --study NAME --runs N [--rounds 3]
//        [--source REPO] [--chromium /usr/bin/chromium]
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const opts = { rounds: '3', source: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
  chromium: process.env.AELAB_CHROMIUM || '/usr/bin/chromium' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
  opts[argv[i].slice(2)] = argv[i + 1];
}
for (const key of ['url', 'study', 'runs']) if (!opts[key]) throw new Error(`missing --${key}`);
const rounds = Number(opts.rounds);
const puppeteer = createRequire(path.join(opts.source, 'web', 'package.json'))('puppeteer-core');

// Marks the first time each selector matches, then when the frame after it was painted.
const kObserver = `
  window.__marks = {};
  const kWatch = {
    runsRow: '.runs-table tbody tr[data-id]',
    trialsRow: '.trials-table tbody tr[data-number]',
    history: '.study-history .main-svg',
    importance: '.study-importance .main-svg',
    intermediate: '.study-intermediate .main-svg',
    slices: '.slices .main-svg',
    parallel: '.study-parallel .parcoords',
  };
  const seen = new Set();
  const check = () => {
    for (const [name, selector] of Object.entries(kWatch)) {
      if (seen.has(name) || !document.querySelector(selector)) continue;
      seen.add(name);
      requestAnimationFrame(() => setTimeout(() => { window.__marks[name] = performance.now(); }, 0));
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true });
`;

async function measure(browser, hash, done, apiPath) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.evaluateOnNewDocument(kObserver);
    await page.goto(opts.url + hash, { waitUntil: 'load' });
    await page.waitForFunction(`(${done})(window.__marks)`, { timeout: 180000, polling: 50 });
    const result = await page.evaluate((api) => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      const resource = (p) => performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === p);
      const entry = resource(api);
      const bundle = resource('/app.js');
      return { fp: paint['first-paint'], fcp: paint['first-contentful-paint'], marks: window.__marks,
        bundle: bundle ? bundle.responseEnd : null,
        asked: entry ? entry.fetchStart : null, api: entry ? entry.responseEnd : null, bytes: entry ? entry.encodedBodySize : null,
        text: document.querySelector('.runs-count, .trials-count')?.textContent.trim() };
    }, apiPath);
    if (errors.length) throw new Error(`${hash}: the page reported ${errors.join('; ')}`);
    return result;
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x === null || x === undefined ? '–' : String(Math.round(x)));
const size = (b) => (b === null || b === undefined ? '' : b < 1e6 ? ` (${Math.round(b / 1e3)} kB)` : ` (${(b / 1e6).toFixed(1)} MB)`);

const browser = await puppeteer.launch({
  executablePath: opts.chromium,
  headless: true,
  defaultViewport: { width: 1400, height: 1000 },
  // As tests/browser: no sandbox as root, WebGL through SwiftShader (no GPU).
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage'],
});
try {
  const studies = await (await fetch(new URL('/api/studies', opts.url))).json();
  const study = studies.find((s) => s.name === opts.study);
  if (!study) throw new Error(`no study ${opts.study} at ${opts.url}`);
  const pages = [
    { name: `runs table, ${opts.runs} runs`, hash: '#/runs', api: '/api/runs',
      done: '(m) => m.runsRow !== undefined', rows: (m) => m.runsRow, plots: () => null },
    { name: `study, ${study.trials} trials`, hash: `#/study?db=${study.db}&name=${encodeURIComponent(opts.study)}`, api: '/api/study',
      done: '(m) => ["trialsRow", "history", "importance", "intermediate", "slices", "parallel"].every((k) => m[k] !== undefined)',
      rows: (m) => m.trialsRow,
      plots: (m) => Math.max(m.history, m.importance, m.intermediate, m.slices, m.parallel) },
  ];
  const lines = [];
  for (const p of pages) {
    const results = [];
    for (let r = 1; r <= rounds; r++) {
      const x = await measure(browser, p.hash, p.done, p.api);
      results.push(x);
      console.error(`${p.name}, round ${r}: bundle ${ms(x.bundle)}, FP ${ms(x.fp)}, FCP ${ms(x.fcp)}, rows ${ms(p.rows(x.marks))}, plots ${ms(p.plots(x.marks))}, api ${ms(x.asked)}-${ms(x.api)}${size(x.bytes)}; "${x.text}"; marks ${JSON.stringify(Object.fromEntries(Object.entries(x.marks).map(([k, v]) => [k, Math.round(v)])))}`);
    }
    const first = results[0];
    const rest = results.slice(1);
    const m = (xs, f) => ms(median(xs.map(f)));
    const row = (label, xs) => `| ${p.name} | ${label} | ${m(xs, (x) => x.bundle)} | ${m(xs, (x) => x.fp)} | ${m(xs, (x) => x.fcp)} | `
      + `${m(xs, (x) => x.asked)} → ${m(xs, (x) => x.api)}${size(first.bytes)} | `
      + `${m(xs, (x) => p.rows(x.marks))} | ${m(xs, (x) => p.plots(x.marks))} |`;
    lines.push(row('first (server cold)', [first]));
    if (rest.length) lines.push(row(`median of the next ${rest.length}`, rest));
  }
  console.log('| page | visit | bundle loaded | first paint | first contentful paint | API asked → answered (size) | first rows shown | all plots drawn |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const l of lines) console.log(l);
} finally {
  await browser.close();
}

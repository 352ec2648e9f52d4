// The screenshots of docs/dashboard.md, taken from a running `aelab serve` (pages laid out 1400
// CSS pixels wide, written 900 pixels wide):
//
//   aelab serve RUNS_FOLDER &        # with two trained runs, their t-SNE maps and a study
//   node tests/browser/doc_screenshots.mjs --url http://127.0.0.1:6006/ --out docs/images \
//        --a 0/runs/mnist-cae --b 0/runs/mnist-vae --db db0 --study fmnist-cae-tpe
import path from 'node:path';
import { browserRequirements, launchBrowser, kSkip } from './fixture.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const key of ['url', 'out', 'a', 'b', 'db', 'study'])
  if (!args[key]) throw new Error(`missing --${key}`);
const needs = browserRequirements(path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..'));
if (needs.skip) {
  console.log(needs.skip);
  process.exit(kSkip);
}
const kWidth = 1400;
const kOutWidth = 900;

const browser = await launchBrowser(needs.puppeteer, needs.chromium);
const page = await browser.newPage();
await page.setViewport({ width: kWidth, height: 1000, deviceScaleFactor: kOutWidth / kWidth });
page.on('console', (m) => { if (m.type() === 'error') console.error(m.text()); });
await page.goto(args.url, { waitUntil: 'load' });
// Plotly shows its mode bar (zoom, save) only under the mouse where the screen can hover; a
// headless browser says it cannot, so the bar would sit on every plot of the pictures.
await page.addStyleTag({ content: '.modebar { display: none !important; }' });
const enc = encodeURIComponent;
const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

async function shot(name, hash, ready, height) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction(ready, { timeout: 60000 });
  await settle();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(args.out, `dashboard-${name}.png`), clip: { x: 0, y: 0, width: kWidth, height }, captureBeyondViewport: true });
  console.log(`wrote ${path.join(args.out, `dashboard-${name}.png`)}`);
}

await shot('runs', `#/runs?sel=${enc(args.a)},${enc(args.b)}`,
  () => document.querySelector('.curves-loss')?.data?.length >= 2, 1120);
await shot('run', `#/run?id=${enc(args.a)}`,
  () => document.querySelector('.curves-loss')?.data && document.querySelector('img.snapshot')?.complete, 1000);
await shot('study', `#/study?db=${enc(args.db)}&name=${enc(args.study)}`,
  () => document.querySelector('.study-parallel .parcoords') && document.querySelector('.study-importance')?.data, 1060);

// The explorer with a hovered point and an interpolation between two picked ones.
await page.evaluate((h) => { location.hash = h; }, `#/latent?a=${enc(args.a)}&ma=tsne&b=${enc(args.b)}&mb=tsne`);
await page.waitForFunction(() => [...document.querySelectorAll('.latent-map')].filter((m) => m.data).length === 2, { timeout: 60000 });
await settle();
const at = (trace, k) => page.evaluate((trace, k) => {
  const gd = document.querySelector('.latent-pane[data-side=a] .latent-map');
  const { xaxis, yaxis } = gd._fullLayout;
  const t = gd.data[trace];
  const box = gd.getBoundingClientRect();
  return { x: box.left + xaxis._offset + xaxis.d2p(t.x[k]), y: box.top + yaxis._offset + yaxis.d2p(t.y[k]) };
}, trace, k);
const p = await at(0, 0);
const q = await at(7, 0);
await page.mouse.click(p.x, p.y);
await page.mouse.click(q.x, q.y);
const r = await at(3, 2);
await page.mouse.move(r.x, r.y, { steps: 4 });
await page.waitForFunction(() => document.querySelector('.latent-interpolation')?.complete && document.querySelector('.latent-hover-image')?.dataset.index, { timeout: 20000 });
await settle(800);
await page.screenshot({ path: path.join(args.out, 'dashboard-latent.png'), clip: { x: 0, y: 0, width: kWidth, height: 1000 } });
console.log(`wrote ${path.join(args.out, 'dashboard-latent.png')}`);
await browser.close();

// The dashboard of `aelab serve` in a real browser (headless chromium), over real runs: two
// small trainings (a dense autoencoder and a VAE) with latent maps, a 4-trial TPE study, and a
// training started while the page is open. Asserts what a person checks by eye: one row per
// run with the test loss of its summary.json, two ticked runs drawn as two curves, a running
// training's curve growing by an epoch within 2 s, the study's parallel coordinates labelled
// with the categorical choices, a hovered latent point showing its decoded image, and no
// console error anywhere. Screenshots of every page go to <artifacts>/screenshots/.
//
//   node tests/browser/dashboard.test.mjs --aelab build/src/cli/aelab --source . \
//        --artifacts build/test-artifacts/browser
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  aelab, command, kSmall, launchBrowser, readCsv, startAelab, startServe, testSetting, waitUntil,
  watchPage,
} from './fixture.mjs';

const { args, needs, data, work, shots, config, dirOf, summaryOf } = testSetting(process.argv.slice(2));
const kRuns = ['0/runs/dense', '0/runs/vae'];
const kStudy = 'fmnist-cae-tpe';
const timings = [];

let serve;
let browser;
let page;
let watch;

async function timed(what, fn) {
  const start = Date.now();
  const result = await fn();
  timings.push(`${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

async function show(hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

async function screenshot(name, { fullPage = true } = {}) {
  // From the top: a full-page picture taken scrolled down shows the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

// The traces of one curves plot (curves.js: .curves-<group>) for a metric, smoothed ones only.
function traces(group, metric) {
  return page.evaluate((g, m) => {
    const gd = document.querySelector(`.curves-${g}`);
    if (!gd || !gd.data) return [];
    return gd.data.filter((t) => t.meta && t.meta.metric === m && !t.meta.raw)
      .map((t) => ({ run: t.meta.run, name: t.name, x: [...t.x], y: [...t.y] }));
  }, group, metric);
}

function assertNoProblems(where) {
  assert.deepEqual(watch.take(), [], `the page reported problems on ${where}`);
}

describe('aelab serve dashboard', { concurrency: false }, () => {
  before(async () => {
    fs.rmSync(args.artifacts, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, 'runs'), { recursive: true });
    fs.mkdirSync(shots, { recursive: true });
    const train = (cfg, out, extra) => aelab(args.aelab, ['-q', '--data-dir', data, 'train', config(cfg),
      '--out', path.join(work, 'runs', out), ...kSmall, '--set', 'train.epochs=3', '--set', 'train.snapshot_every=1', ...extra]);
    await timed('two trainings', () => Promise.all([
      train('mnist_dense3.toml', 'dense', ['--set', 'params.latent=8', '--set', 'params.hidden=64']),
      train('mnist_vae.toml', 'vae', ['--set', 'params.n=4']),
    ]));
    const latent = (run) => aelab(args.aelab, ['-q', '--data-dir', data, 'latent', path.join(work, 'runs', run), '--method', 'pca', '-n', '200']);
    await timed('latent maps and a 4-trial study', () => Promise.all([
      latent('dense').then(() => latent('vae')),
      aelab(args.aelab, ['-q', '--data-dir', data, 'tune', path.join(args.source, 'configs', 'studies', 'fmnist_cae_tpe.toml'),
        '--out', path.join(work, 'study'), '--n-trials', '4', '--set', 'data.dataset=mnist', ...kSmall, '--set', 'train.epochs=2']),
    ]));
    serve = await startServe(args.aelab, ['--data-dir', data, 'serve', work]);
    browser = await launchBrowser(needs.puppeteer, needs.chromium);
    page = await browser.newPage();
    watch = watchPage(page);
    await page.goto(serve.url, { waitUntil: 'load' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (serve) serve.child.kill('SIGTERM');
    console.log(`timings: ${timings.join('; ')}`);
  });

  it('lists one row per run with the test loss of its summary.json', async () => {
    await show('#/runs');
    const ids = [...kRuns, ...[0, 1, 2, 3].map((i) => `0/study/trial-${i}`)];
    const rows = await waitUntil('a runs table row per run', async () => {
      const r = await page.evaluate(() => {
        const keys = [...document.querySelectorAll('.runs-table thead th')].map((th) => th.dataset.key || '');
        return [...document.querySelectorAll('.runs-table tbody tr[data-id]')].map((tr) => ({
          id: tr.dataset.id, cells: Object.fromEntries([...tr.children].map((td, i) => [keys[i], td.textContent.trim()])) }));
      });
      return r.length === ids.length ? r : null;
    }, { timeout: 10000 });
    assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
    for (const { id, cells } of rows) {
      const summary = summaryOf(id);
      const shown = Number(cells.test_loss);
      assert.ok(Math.abs(shown - summary.test_loss) <= 5e-4 * Math.abs(summary.test_loss),
        `${id}: the table shows test loss ${cells.test_loss}, summary.json says ${summary.test_loss}`);
      assert.equal(Number(cells.epochs), summary.epochs_run, `${id}: epochs`);
      assert.equal(cells.state, summary.stopped_early ? 'stopped early' : summary.state, `${id}: state`);
      assert.equal(cells.name, id.slice(2), `${id}: name`);
    }
    assert.equal(rows.find((r) => r.id === '0/runs/vae').cells.model, 'vae');
    assert.equal(rows.find((r) => r.id === '0/runs/dense').cells.latent, '8');
    // The filter goes to the server: one word keeps the VAE only.
    await page.type('.runs-filter', 'vae');
    await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr[data-id]').length === 1, { timeout: 5000 });
    await page.$eval('.runs-filter', (e) => { e.value = ''; e.dispatchEvent(new Event('input')); });
    await page.waitForFunction((n) => document.querySelectorAll('.runs-table tbody tr[data-id]').length === n, { timeout: 5000 }, ids.length);
    await screenshot('runs');
    assertNoProblems('the runs table');
  });

  it('overlays the curves of two ticked runs', async () => {
    for (const id of kRuns) await page.click(`.runs-table tr[data-id="${id}"] input[type=checkbox]`);
    await page.waitForFunction(() => {
      const gd = document.querySelector('.curves-loss');
      return gd && gd.data && gd.data.filter((t) => t.meta.metric === 'train_loss').length === 2;
    }, { timeout: 10000 });
    const drawn = await traces('loss', 'train_loss');
    assert.deepEqual(drawn.map((t) => t.run).sort(), [...kRuns].sort());
    for (const t of drawn) {
      const csv = readCsv(path.join(dirOf(t.run), 'metrics.csv')).rows;
      assert.deepEqual(t.x, csv.map((r) => r.epoch), `${t.run}: epochs on the x axis`);
      t.y.forEach((y, i) => assert.ok(Math.abs(y - csv[i].train_loss) <= 1e-6 * Math.abs(csv[i].train_loss),
        `${t.run} epoch ${i + 1}: drawn ${y}, metrics.csv ${csv[i].train_loss}`));
    }
    // Drawn means lines on the screen, not only data: one SVG path per curve, with points.
    const paths = await page.$$eval('.curves-loss .scatterlayer .trace path.js-line', (ps) => ps.map((p) => p.getAttribute('d') || ''));
    assert.ok(paths.filter((d) => d.length > 10).length >= 4, `train and validation lines of two runs: ${paths.length} paths`);
    // Only the VAE has a KL divergence.
    assert.deepEqual((await traces('kl', 'kl')).map((t) => t.run), ['0/runs/vae']);
    assert.match(await page.evaluate(() => location.hash), /sel=0%2Fruns%2F(dense|vae)%2C0%2Fruns%2F(dense|vae)/);
    // Smoothing keeps the raw curves faint behind the smoothed ones.
    await page.$eval('.curves-smoothing', (e) => { e.value = '0.6'; e.dispatchEvent(new Event('input')); });
    const raw = await page.evaluate(() => document.querySelector('.curves-loss').data.filter((t) => t.meta.raw && t.meta.metric === 'train_loss').length);
    assert.equal(raw, 2);
    await page.$eval('.curves-smoothing', (e) => { e.value = '0'; e.dispatchEvent(new Event('input')); });
    await screenshot('curves');
    assertNoProblems('the curves');
  });

  it('shows a run: figures, snapshots over epochs, pictures, experiment and model', async () => {
    const id = '0/runs/dense';
    await show(`#/run?id=${encodeURIComponent(id)}`);
    await page.waitForSelector('.snapshot-slider', { timeout: 10000 });
    const summary = summaryOf(id);
    const figures = await page.$$eval('.figure', (fs) => Object.fromEntries(fs.map((f) => [f.querySelector('.figure-label').textContent, f.querySelector('.figure-value').textContent])));
    assert.ok(Math.abs(Number(figures['test loss']) - summary.test_loss) <= 5e-4 * summary.test_loss, `test loss figure ${figures['test loss']}`);
    assert.equal(figures['test PSNR'], `${summary.test_psnr.toFixed(2)} dB`);
    assert.equal(figures.epochs, '3');
    assert.equal(await page.$eval('.snapshot-label', (e) => e.textContent), 'epoch 3 (3 of 3 snapshots)');
    await page.$eval('.snapshot-slider', (e) => { e.value = '0'; e.dispatchEvent(new Event('input')); });
    assert.match(await page.$eval('img.snapshot', (e) => e.src), /reconstructions%2Fepoch-001\.png/);
    await page.waitForFunction(() => { const i = document.querySelector('img.snapshot'); return i.complete && i.naturalWidth > 0; }, { timeout: 5000 });
    const experiment = await page.$eval('pre.experiment', (e) => e.textContent);
    assert.match(experiment, /epochs = 3/);
    assert.match(experiment, /latent = 8/);
    const model = await page.$eval('pre.model-summary', (e) => e.textContent);
    assert.match(model, /dense/i);
    // Every picture of the folder is linked and served as a PNG.
    const pictures = await page.$$eval('figure.picture img', (is) => is.map((i) => i.getAttribute('src')));
    assert.ok(pictures.some((s) => /reconstructions\.png/.test(s)) && pictures.some((s) => /latent-pca\.png/.test(s)), pictures.join(' '));
    const types = await page.evaluate((urls) => Promise.all(urls.map((u) => fetch(u).then((r) => r.headers.get('content-type')))), pictures);
    assert.deepEqual([...new Set(types)], ['image/png']);
    await screenshot('run');
    assertNoProblems('the run page');
  });

  it('grows a running training\'s curve within 2 s of each epoch', async () => {
    const out = path.join(work, 'runs', 'live');
    const csv = path.join(out, 'metrics.csv');
    const live = startAelab(args.aelab, ['-q', '--data-dir', data, 'train', config('mnist_cae.toml'), '--out', out,
      '--set', 'data.train_subset=1500', '--set', 'data.test_subset=100', '--set', 'train.epochs=40', '--set', 'train.snapshot_every=1',
      '--set', 'train.threads=1', '--set', 'params.n=8'], path.join(args.artifacts, 'live-train.log'));
    try {
      await waitUntil('the first epoch of the live training', () => readCsv(csv).rows.length >= 1, { timeout: 60000 });
      await show(`#/run?id=${encodeURIComponent('0/runs/live')}`);
      await page.waitForFunction(() => document.querySelector('h1 .state-running'), { timeout: 10000 });
      for (let grown = 0; grown < 2; grown++) {
        const before = readCsv(csv).rows.length;
        await waitUntil(`the page to show epoch ${before}`, async () => {
          const t = await traces('loss', 'train_loss');
          return t.length === 1 && t[0].x.length >= before;
        }, { timeout: 10000 });
        const epochs = await waitUntil('a new epoch in metrics.csv', () => {
          const n = readCsv(csv).rows.length;
          return n > before ? n : null;
        }, { timeout: 60000, interval: 20 });
        const written = Date.now();
        await waitUntil(`the page to show epoch ${epochs} without a reload`, async () => {
          const t = await traces('loss', 'train_loss');
          return t.length === 1 && t[0].x.length >= epochs;
        }, { timeout: 5000, interval: 50 });
        const lag = Date.now() - written;
        timings.push(`live curve lag ${lag} ms`);
        assert.ok(lag < 2000, `epoch ${epochs} reached the page ${lag} ms after metrics.csv`);
      }
      // The newest reconstruction snapshot follows too.
      const newest = readCsv(csv).rows.length;
      await page.waitForFunction((n) => {
        const l = document.querySelector('.snapshot-label');
        return l && Number(/epoch (\d+)/.exec(l.textContent)?.[1]) >= n;
      }, { timeout: 5000 }, newest);
      await screenshot('live');
    } finally {
      live.kill('SIGINT');
      await new Promise((r) => live.once('close', r));
    }
    // A Ctrl-C'd training is "stopped": the page says so without a reload.
    await page.waitForFunction(() => document.querySelector('h1 .state-stopped'), { timeout: 10000 });
    assertNoProblems('the live run page');
  });

  it('shows the study: parallel coordinates with categorical labels, history, trials', async () => {
    await show('#/studies');
    await page.waitForSelector('.studies-table a', { timeout: 10000 });
    await page.click('.studies-table a');
    await page.waitForSelector('.study-parallel .parcoords', { timeout: 15000 });
    const study = await page.evaluate((name) => fetch('/api/studies').then((r) => r.json())
      .then((list) => fetch(`/api/study?db=${list.find((s) => s.name === name).db}&name=${name}`)).then((r) => r.json()), kStudy);
    assert.equal(study.total, 4);
    const axes = await page.$$eval('.study-parallel .parcoords .y-axis', (as) => as.map((a) => ({
      title: a.querySelector('.axis-title')?.textContent,
      ticks: [...a.querySelectorAll('.tick text')].map((t) => t.textContent),
    })));
    const categorical = study.parallel.axes.filter((a) => a.categories.length);
    assert.ok(categorical.some((a) => a.name === 'train.optimizer'), 'the optimizer is a categorical axis');
    for (const a of categorical) {
      const axis = axes.find((x) => x.title === a.name);
      assert.ok(axis, `an axis titled ${a.name} among ${axes.map((x) => x.title).join(', ')}`);
      for (const c of a.categories) assert.ok(axis.ticks.includes(String(c)), `axis ${a.name} labels ${c}: ${axis.ticks.join(', ')}`);
    }
    assert.ok(axes.some((x) => x.title === 'train.lr (log)'), 'the learning rate on a log axis');
    const complete = study.trials.filter((t) => t.state === 'COMPLETE').length;
    const history = await page.evaluate(() => document.querySelector('.study-history').data[0].x.length);
    assert.equal(history, complete);
    assert.equal(await page.$$eval('.trials-table tbody tr', (rs) => rs.length), 4);
    assert.deepEqual(await page.evaluate(() => document.querySelector('.slices').data.map((t) => t.meta.param)).then((p) => p.sort()), Object.keys(study.params).sort());
    // Intermediate values by state: untick "complete" and its curves go.
    const shown = () => page.evaluate(() => document.querySelector('.study-intermediate').data.map((t) => t.name));
    assert.ok((await shown()).includes('complete'));
    await page.click('.state-filter input[data-state=COMPLETE]');
    assert.ok(!(await shown()).includes('complete'));
    await page.click('.state-filter input[data-state=COMPLETE]');
    await screenshot('study');
    // A trial's row opens its run, which names the trial.
    await page.click('.trials-table tbody tr[data-number="1"] td');
    await page.waitForSelector('.trial-link', { timeout: 10000 });
    assert.match(await page.$eval('.trial-link', (e) => e.textContent), new RegExp(`trial #1 of study ${kStudy}`));
    assert.equal(await page.evaluate(() => decodeURIComponent(location.hash)), '#/run?id=0/study/trial-1');
    assertNoProblems('the study page');
  });

  it('shows a latent point\'s image on hover and an interpolation between two picks', async () => {
    await show(`#/latent?a=${encodeURIComponent(kRuns[0])}&b=${encodeURIComponent(kRuns[1])}`);
    await page.waitForFunction(() => [...document.querySelectorAll('.latent-map')].filter((m) => m.data && m.data.length > 1).length === 2, { timeout: 15000 });
    const classes = await page.evaluate(() => document.querySelector('.latent-map').data.filter((t) => t.name !== 'picked').length);
    assert.ok(classes >= 5, `points coloured by class: ${classes} classes`);
    // Where point k of the first class is on the screen.
    const pointAt = (k) => page.evaluate((k) => {
      const gd = document.querySelector('.latent-pane[data-side=a] .latent-map');
      const { xaxis, yaxis } = gd._fullLayout;
      const t = gd.data[0];
      const box = gd.getBoundingClientRect();
      return { x: box.left + xaxis._offset + xaxis.d2p(t.x[k]), y: box.top + yaxis._offset + yaxis.d2p(t.y[k]), index: t.customdata[k] };
    }, k);
    const p = await pointAt(0);
    await page.mouse.move(p.x - 30, p.y - 30);
    await page.mouse.move(p.x, p.y, { steps: 5 });
    await page.waitForFunction(() => { const i = document.querySelector('.latent-pane[data-side=a] .latent-hover-image'); return i.complete && i.naturalWidth > 0 && i.dataset.index; }, { timeout: 10000 });
    const hovered = await page.$eval('.latent-pane[data-side=a] .latent-hover-image', (i) => ({ w: i.naturalWidth, h: i.naturalHeight, index: i.dataset.index }));
    // The test image and its reconstruction side by side, 28 x 28 each, scaled up.
    assert.ok(hovered.w >= 2 * hovered.h - 20 && hovered.h >= 28, `image ${hovered.w} x ${hovered.h}`);
    assert.match(await page.$eval('.latent-pane[data-side=a] .latent-hover-caption', (e) => e.textContent), new RegExp(`test image #${hovered.index} `));
    // Two picks: the decoded interpolation strip.
    await page.mouse.click(p.x, p.y);
    const q = await pointAt(5);
    await page.mouse.click(q.x, q.y);
    await page.waitForFunction(() => { const i = document.querySelector('.latent-pane[data-side=a] .latent-interpolation'); return i.complete && i.naturalWidth > 0; }, { timeout: 10000 });
    const strip = await page.$eval('.latent-pane[data-side=a] .latent-interpolation', (i) => ({ w: i.naturalWidth, h: i.naturalHeight }));
    assert.ok(strip.w > 8 * strip.h, `a strip of 12 images: ${strip.w} x ${strip.h}`);
    await screenshot('latent');
    assertNoProblems('the latent explorer');
  });

  it('takes the token from ?token= of the printed URL and keeps working without it', async () => {
    const guarded = await startServe(args.aelab, ['--data-dir', data, 'serve', work, '--token', 'sesame']);
    const context = await browser.createBrowserContext();
    try {
      const other = await context.newPage();
      const problems = watchPage(other);
      assert.match(guarded.url, /\?token=sesame$/);
      await other.goto(guarded.url, { waitUntil: 'load' });
      await other.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr[data-id]').length >= 6, { timeout: 10000 });
      // Out of the address bar (not shared by copying the URL), yet pictures and data load.
      assert.equal(await other.evaluate(() => location.search), '');
      await other.evaluate(() => { location.hash = `#/run?id=${encodeURIComponent('0/runs/dense')}`; });
      await other.waitForFunction(() => { const i = document.querySelector('img.snapshot'); return i && i.complete && i.naturalWidth > 0; }, { timeout: 10000 });
      assert.deepEqual(problems.take(), []);
      // Without the token the server refuses.
      assert.equal(await other.evaluate(() => fetch('/api/runs', { credentials: 'omit' }).then((r) => r.status)), 401);
    } finally {
      await context.close();
      guarded.child.kill('SIGTERM');
    }
  });
  it('loads a 10,000-trial study', async () => {
    fs.mkdirSync(path.join(work, 'big'));
    await command('python3', [path.join(args.source, 'tests', 'browser', 'big_study.py'),
      path.join(work, 'study', 'study.db'), path.join(work, 'big', 'big.db'), 'big-10k', '10000']);
    // The server walks its folders again within a second and finds the new database.
    const db = await waitUntil('the 10,000-trial database in /api/studies', () => page.evaluate(() =>
      fetch('/api/studies').then((r) => r.json()).then((l) => (l.find((s) => s.name === 'big-10k') || {}).db)), { timeout: 10000, interval: 500 });
    const start = Date.now();
    await show(`#/study?db=${db}&name=big-10k`);
    await page.waitForFunction(() => /of 10000 trials/.test(document.querySelector('.trials-count')?.textContent || '')
      && document.querySelector('.study-parallel .parcoords') && document.querySelector('.study-intermediate')?.data
      && document.querySelector('.slices')?.data, { timeout: 60000 });
    const seconds = (Date.now() - start) / 1000;
    timings.push(`10,000-trial study page ${seconds.toFixed(1)} s`);
    assert.ok(seconds < 30, `the page took ${seconds} s`);
    assert.equal(await page.$$eval('.trials-table tbody tr', (rs) => rs.length), 100);
    const complete = await page.evaluate((db) => fetch(`/api/studies`).then((r) => r.json()).then((l) => l.find((s) => s.db === db).complete), db);
    assert.equal(await page.evaluate(() => document.querySelector('.study-history').data[0].x.length), complete);
    // Curves of 10,000 trials: one trace per state, not a trace per trial.
    const intermediate = await page.evaluate(() => document.querySelector('.study-intermediate').data.map((t) => t.name));
    assert.deepEqual(intermediate, ['complete', 'pruned']);
    // The best 2,000 of them on the parallel coordinates, unless asked for all.
    assert.match(await page.evaluate(() => document.querySelector('.study-parallel').layout.title.text), /the best 2000 of \d+ complete trials/);
    await page.click('.pager button:last-child');
    assert.match(await page.$eval('.trials-count', (e) => e.textContent), /101–200 of 10000 trials/);
    assert.equal(await page.$eval('.trials-table tbody tr', (r) => r.dataset.number), '100');
    // The visible part only: a full-page picture redraws every plot at another size.
    await screenshot('study-10k', { fullPage: false });
    assertNoProblems('the 10,000-trial study');
  });

});

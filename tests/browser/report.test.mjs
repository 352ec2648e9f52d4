// The file of `aelab report FOLDER --html FILE` opened from disk (file://) in headless chromium,
// no server running: over two small real trainings (a dense autoencoder with a PCA map and a
// VAE) and a 2-trial study, it shows the runs table with one row per run and the test loss of
// its summary.json, filters and sorts it in the page, shows a run's figures, curves, snapshot
// and pictures, the latent map, and the study with its trials leading to their runs; it asks
// for nothing but itself (no http request at all) and logs no error. Screenshots go to
// <artifacts>/screenshots/.
//
//   node tests/browser/report.test.mjs --aelab build/src/cli/aelab --source . \
//        --artifacts build/test-artifacts/browser-report
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { aelab, kSmall, launchBrowser, readCsv, testSetting, watchPage } from './fixture.mjs';

const { args, needs, data, work, shots, config, dirOf, summaryOf } = testSetting(process.argv.slice(2));
const reportFile = path.join(args.artifacts, 'report.html');
const kRuns = ['0/runs/dense', '0/runs/vae'];
const kTrials = ['0/study/trial-0', '0/study/trial-1'];
const kStudy = 'fmnist-cae-tpe';

let browser;
let page;
let watch;
const outside = [];  // requests for anything but the file itself and its data: URIs

async function show(hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

async function screenshot(name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

function rowsShown() {
  return page.evaluate(() => {
    const keys = [...document.querySelectorAll('.runs-table thead th')].map((th) => th.dataset.key || '');
    return [...document.querySelectorAll('.runs-table tbody tr[data-id]')].map((tr) => ({
      id: tr.dataset.id, cells: Object.fromEntries([...tr.children].map((td, i) => [keys[i], td.textContent.trim()])) }));
  });
}

function assertClean(where) {
  assert.deepEqual(watch.take(), [], `the page reported problems on ${where}`);
  assert.deepEqual(outside, [], `the page asked for something beside itself on ${where}`);
}

describe('aelab report file', { concurrency: false }, () => {
  before(async () => {
    fs.rmSync(args.artifacts, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, 'runs'), { recursive: true });
    fs.mkdirSync(shots, { recursive: true });
    const train = (cfg, out, extra) => aelab(args.aelab, ['-q', '--data-dir', data, 'train', config(cfg),
      '--out', path.join(work, 'runs', out), ...kSmall, '--set', 'train.epochs=2', '--set', 'train.snapshot_every=1', ...extra]);
    await Promise.all([
      train('mnist_dense3.toml', 'dense', ['--set', 'params.latent=8', '--set', 'params.hidden=64'])
        .then(() => aelab(args.aelab, ['-q', '--data-dir', data, 'latent', path.join(work, 'runs', 'dense'), '--method', 'pca', '-n', '200'])),
      train('mnist_vae.toml', 'vae', ['--set', 'params.n=4']),
    ]);
    await aelab(args.aelab, ['-q', '--data-dir', data, 'tune', path.join(args.source, 'configs', 'studies', 'fmnist_cae_tpe.toml'),
      '--out', path.join(work, 'study'), '--n-trials', '2', '--set', 'data.dataset=mnist', ...kSmall, '--set', 'train.epochs=1']);
    const said = await aelab(args.aelab, ['-q', '--data-dir', data, 'report', work, '--html', reportFile]);
    assert.match(said, /\(4 runs, 1 study, /);
    browser = await launchBrowser(needs.puppeteer, needs.chromium);
    page = await browser.newPage();
    watch = watchPage(page);
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) outside.push(r.url().slice(0, 200)); });
    await page.goto(`file://${reportFile}`, { waitUntil: 'load' });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('shows the runs table: one row per run with the test loss of its summary.json', async () => {
    const ids = [...kRuns, ...kTrials];
    await page.waitForFunction((n) => document.querySelectorAll('.runs-table tbody tr[data-id]').length === n,
      { timeout: 15000 }, ids.length);
    const rows = await rowsShown();
    assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
    for (const { id, cells } of rows) {
      const summary = summaryOf(id);
      assert.ok(Math.abs(Number(cells.test_loss) - summary.test_loss) <= 5e-4 * Math.abs(summary.test_loss),
        `${id}: the table shows test loss ${cells.test_loss}, summary.json says ${summary.test_loss}`);
      assert.equal(cells.name, id.slice(2));
      assert.equal(Number(cells.epochs), summary.epochs_run, `${id}: epochs`);
    }
    assert.match(await page.$eval('.roots', (e) => e.textContent), /^report of .*work, made \d{4}-\d\d-\d\d \d\d:\d\d$/);
    // Filtered and sorted in the page, as the server would.
    await page.type('.runs-filter', 'vae');
    await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr[data-id]').length === 1, { timeout: 5000 });
    assert.equal((await rowsShown())[0].id, '0/runs/vae');
    await page.$eval('.runs-filter', (e) => { e.value = ''; e.dispatchEvent(new Event('input')); });
    await page.waitForFunction((n) => document.querySelectorAll('.runs-table tbody tr[data-id]').length === n, { timeout: 5000 }, ids.length);
    await page.click('.runs-table th[data-key="test_loss"]');
    await page.waitForFunction(() => document.querySelector('.runs-table th.sorted')?.dataset.key === 'test_loss', { timeout: 5000 });
    const byLoss = [...ids].sort((a, b) => summaryOf(a).test_loss - summaryOf(b).test_loss);
    await page.waitForFunction((want) => [...document.querySelectorAll('.runs-table tbody tr[data-id]')].map((tr) => tr.dataset.id).join() === want.join(),
      { timeout: 5000 }, byLoss);
    await screenshot('runs');
    assertClean('the runs table');
  });

  it('shows a run: figures, curves, the snapshot and pictures from inside the file', async () => {
    const id = kRuns[0];
    await show(`#/run?id=${encodeURIComponent(id)}`);
    await page.waitForSelector('.snapshot-slider', { timeout: 10000 });
    const summary = summaryOf(id);
    const figures = await page.$$eval('.figure', (fs) => Object.fromEntries(fs.map((f) => [f.querySelector('.figure-label').textContent, f.querySelector('.figure-value').textContent])));
    assert.equal(figures['test PSNR'], `${summary.test_psnr.toFixed(2)} dB`);
    assert.equal(await page.$eval('.snapshot-label', (e) => e.textContent), 'epoch 2 (2 of 2 snapshots)');
    await page.waitForFunction(() => [...document.querySelectorAll('img.snapshot, figure.picture img')].every((i) => i.complete && i.naturalWidth > 0), { timeout: 5000 });
    const pictures = await page.$$eval('figure.picture figcaption', (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(pictures.sort(), ['latent-pca.png', 'reconstructions.png']);
    assert.match(await page.$eval('pre.model-summary', (e) => e.textContent), /Total params/);
    await page.waitForFunction(() => document.querySelector('.curves-loss')?.data?.length >= 2, { timeout: 10000 });
    const trainLoss = await page.evaluate(() => [...document.querySelector('.curves-loss').data.find((t) => t.meta.metric === 'train_loss').y]);
    const csv = readCsv(path.join(dirOf(id), 'metrics.csv')).rows.map((r) => r.train_loss);
    assert.deepEqual(trainLoss, csv);
    await screenshot('run');
    assertClean('the run page');
  });

  it('shows the latent map and says the decoded pictures need aelab serve', async () => {
    await show(`#/latent?a=${encodeURIComponent(kRuns[0])}`);
    await page.waitForFunction(() => document.querySelector('.latent-map')?.data?.length > 1, { timeout: 10000 });
    const points = await page.evaluate(() => document.querySelector('.latent-map').data.filter((t) => t.name !== 'picked').reduce((n, t) => n + t.x.length, 0));
    assert.equal(points, 200);
    assert.match(await page.$eval('.latent-hover-caption', (e) => e.textContent), /aelab serve/);
    assertClean('the latent explorer');
  });

  it('shows the study and its trials lead to their runs', async () => {
    await show('#/studies');
    await page.waitForSelector('.studies-table a', { timeout: 10000 });
    assert.equal(await page.$eval('.studies-table a', (a) => a.textContent), kStudy);
    await page.click('.studies-table a');
    await page.waitForSelector('.study-parallel .parcoords', { timeout: 15000 });
    assert.equal(await page.$$eval('.trials-table tbody tr', (rs) => rs.length), 2);
    assert.equal(await page.evaluate(() => document.querySelector('.study-history').data[0].x.length), 2);
    await screenshot('study');
    await page.click('.trials-table tbody tr[data-number="1"] td');
    await page.waitForSelector('.trial-link', { timeout: 10000 });
    assert.match(await page.$eval('.trial-link', (e) => e.textContent), new RegExp(`trial #1 of study ${kStudy}`));
    assert.equal(await page.evaluate(() => decodeURIComponent(location.hash)), '#/run?id=0/study/trial-1');
    assertClean('the study page');
  });
});

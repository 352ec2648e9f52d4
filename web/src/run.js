// One run (/api/run): its figures, curves, the reconstruction snapshots over epochs, every
// picture and table of its folder, the study trial it was, the resolved experiment file and the
// model summary. While it trains, the curves grow (curves.js) and the newest snapshot appears.
import { getJson, isStatic, runFileUrl } from './api.js';
import { leftOutNote } from './static_source.js';
import { el, clear, fmt, fmtSeconds, stateBadge, errorBox, markdownTable, hashOf } from './dom.js';
import { CurvesPanel } from './curves.js';

// Pictures by what they show, in the order a reader looks at them; the first match wins.
const kPictureGroups = [
  { title: 'Reconstructions', test: (f) => /^reconstructions/.test(f) },
  { title: 'Samples', test: (f) => /^samples/.test(f) },
  { title: 'Interpolations', test: (f) => /^interpolation/.test(f) },
  { title: 'Colorization', test: (f) => /^coloriz/.test(f) },
  { title: 'Latent maps', test: (f) => /^latent-/.test(f) },
  { title: 'Classification', test: (f) => /confusion|per_class/.test(f) },
  { title: 'Robustness', test: (f) => /^robustness/.test(f) },
  { title: 'Other pictures', test: () => true },
];

const pct = (v) => (v == null ? null : `${(100 * v).toFixed(2)} %`);

// A fine-tuning folder's figures (its summary.json: docs/run-folder.md): the classifier, the
// probes on the frozen codes, what it cost in labels.
const kFinetuneFigures = [
  ['test accuracy', (s) => s.test_accuracy_mean ?? s.test_accuracy, pct],
  ['linear probe', (s) => s.probe_accuracy_mean, pct],
  ['k-NN', (s) => s.knn_accuracy_mean, pct],
  ['test loss', (s, r) => s.test_loss ?? r.test_loss, fmt],
  ['mode', (s) => s.mode, (v) => v ?? null],
  ['labels used', (s) => s.labels_used, (v) => (v == null ? null : v.toLocaleString('en'))],
  ['seeds', (s) => (Array.isArray(s.seeds) ? s.seeds.length : null), (v) => v],
  ['epochs', (s, r) => r.epochs, fmt],
  ['parameters', (s) => s.trainable_parameters, (v) => (v == null ? null : `${v.toLocaleString('en')} trained`)],
  ['time', (s) => s.seconds, (v) => (v == null ? null : fmtSeconds(v))],
];

// The figures of the header, from summary.json, else (still training) from the table's row.
const kFigures = [
  ['test loss', (s, r) => s.test_loss ?? r.test_loss, fmt],
  ['test PSNR', (s, r) => s.test_psnr ?? r.test_psnr, (v) => (v == null ? '–' : `${v.toFixed(2)} dB`)],
  ['test SSIM', (s, r) => s.test_ssim ?? r.test_ssim, (v) => (v == null ? '–' : v.toFixed(4))],
  ['best val loss', (s, r) => s.best_val_loss ?? r.best_val_loss, fmt],
  ['best epoch', (s) => s.best_epoch, fmt],
  ['epochs', (s, r) => r.epochs, fmt],
  ['images/s', (s, r) => s.images_per_second ?? r.images_per_second, (v) => (v == null ? '–' : Math.round(v))],
  ['parameters', (s) => s.parameters, (v) => (v == null ? null : v.toLocaleString('en'))],
  ['latent size', (s, r) => s.latent_size ?? r.latent, fmt],
  ['training time', (s) => s.total_seconds, (v) => (v == null ? null : fmtSeconds(v))],
  ['device', (s) => s.device, (v) => v ?? null],
];

function epochOf(snapshot) {
  const m = /epoch-(\d+)/.exec(snapshot);
  return m ? Number(m[1]) : null;
}

// A report has no server to open a picture full size from (and browsers refuse to open a data:
// URI as a page): the picture alone, or a note where the report left it out.
function picture(runId, file) {
  const url = runFileUrl(runId, file);
  if (!url) return el('figure', { class: 'picture left-out' }, el('p', { class: 'muted' }, leftOutNote()), el('figcaption', {}, file));
  const img = el('img', { src: url, alt: file, loading: 'lazy' });
  return el('figure', { class: 'picture' },
    isStatic ? img : el('a', { href: url, target: '_blank', title: 'open full size' }, img),
    el('figcaption', {}, file));
}

export function mountRun(root, params) {
  const id = params.id;
  if (!id) {
    clear(root, errorBox('no run given (#/run?id=...)'));
    return () => {};
  }
  const head = el('div');
  const figures = el('div');
  const curvesBox = el('div');
  const snapshotsBox = el('section');
  const picturesBox = el('section');
  const tablesBox = el('section');
  const filesBox = el('section');
  clear(root, head, figures, el('h2', {}, 'Curves'), curvesBox, snapshotsBox, picturesBox, tablesBox, filesBox);

  let run = null;
  let loading = false;
  let disposed = false;
  let followNewest = true;  // the snapshot slider stays on the newest epoch until moved
  let snapshotIndex = -1;

  const panel = new CurvesPanel(curvesBox, {
    onUpdate: (_, metrics) => {
      // A new epoch or a new state: the snapshots, figures and pictures changed too.
      if (run && (metrics.epochs !== run.row.epochs || metrics.state !== run.row.state)) load();
    },
  });

  async function load() {
    if (loading || disposed) return;
    loading = true;
    try {
      run = await getJson('/api/run', { id });
    } catch (e) {
      clear(head, errorBox(e));
      return;
    } finally {
      loading = false;
    }
    if (disposed) return;
    render();
  }

  function render() {
    const row = run.row;
    const summary = run.summary || {};
    panel.setRuns([{ id, name: row.name }]);
    const trial = run.trial;
    clear(head,
      el('h1', {}, row.name, ' ', stateBadge(row.state)),
      el('p', { class: 'muted' },
        [row.kind === 'finetune' ? 'fine-tuning' : 'training', row.dataset, row.model].filter(Boolean).join(' · '),
        summary.reason ? ` · ${summary.reason}` : ''),
      el('p', { class: 'links' },
        trial ? el('a', { class: 'button trial-link', href: hashOf('study', { db: trial.db, name: trial.study, trial: trial.number }) },
          `trial #${trial.number} of study ${trial.study} (${String(trial.state).toLowerCase()}${trial.value == null ? '' : ', value ' + fmt(trial.value)})`) : null,
        run.latent_methods.length ? el('a', { class: 'button', href: hashOf('latent', { a: id, ma: run.latent_methods.includes('tsne') ? 'tsne' : run.latent_methods[0] }) },
          `latent explorer (${run.latent_methods.join(', ')})`) : null));
    const finetune = row.kind === 'finetune';
    clear(figures, el('div', { class: 'figures' },
      (finetune ? kFinetuneFigures : kFigures).map(([label, get, format]) => {
        const text = format(get(summary, row));
        return text === null ? null : el('div', { class: 'figure' }, el('div', { class: 'figure-value' }, text), el('div', { class: 'figure-label' }, label));
      })));
    renderSnapshots();
    renderPictures();
    renderTables();
    renderFiles();
  }

  function renderSnapshots() {
    // A report holds the newest snapshots its picture limit allowed.
    const snaps = run.snapshots.filter((f) => runFileUrl(id, f));
    const leftOut = run.snapshots.length - snaps.length;
    if (!snaps.length) {
      clear(snapshotsBox, leftOut ? [el('h2', {}, 'Reconstructions over the epochs'), el('p', { class: 'muted' }, `${leftOut} snapshots: ${leftOutNote()}`)] : null);
      return;
    }
    if (followNewest || snapshotIndex >= snaps.length) snapshotIndex = snaps.length - 1;
    const img = el('img', { class: 'snapshot', alt: 'reconstructions at an epoch' });
    const label = el('span', { class: 'snapshot-label' });
    const slider = el('input', { type: 'range', min: 0, max: snaps.length - 1, step: 1, value: snapshotIndex,
      class: 'snapshot-slider',
      oninput: (e) => {
        snapshotIndex = Number(e.target.value);
        followNewest = snapshotIndex === snaps.length - 1;
        show();
      } });
    const show = () => {
      img.src = runFileUrl(id, snaps[snapshotIndex]);
      label.textContent = `epoch ${epochOf(snaps[snapshotIndex])} (${snapshotIndex + 1} of ${snaps.length} snapshots)`;
    };
    show();
    clear(snapshotsBox, el('h2', {}, 'Reconstructions over the epochs'),
      el('div', { class: 'toolbar' }, slider, label), el('div', { class: 'picture' }, img),
      leftOut ? el('p', { class: 'muted' }, `${leftOut} older snapshots: ${leftOutNote()}`) : null);
  }

  function renderPictures() {
    const groups = new Map();
    for (const file of run.pictures) {
      if (file.startsWith('loss_curve')) continue;  // drawn above, live
      const group = kPictureGroups.find((g) => g.test(file));
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(file);
    }
    clear(picturesBox, kPictureGroups.filter((g) => groups.has(g)).map((g) => [
      el('h2', {}, g.title),
      el('div', { class: 'pictures' }, groups.get(g).map((f) => picture(id, f)))]));
  }

  function renderTables() {
    const names = Object.keys(run.tables);
    clear(tablesBox, names.map((name) => [el('h2', {}, name.replace(/\.md$/, '').replace(/_/g, ' ')),
      el('div', { class: 'table-wrap' }, markdownTable(run.tables[name]))]));
  }

  function renderFiles() {
    const summary = run.summary;
    const kv = (object) => el('table', { class: 'data kv' }, el('tbody', {}, Object.entries(object).map(([k, v]) =>
      el('tr', {}, el('th', {}, k), el('td', {}, typeof v === 'object' && v !== null ? el('code', {}, JSON.stringify(v)) : fmt(v))))));
    clear(filesBox,
      el('div', { class: 'plot-grid two' },
        run.experiment ? el('details', { open: true }, el('summary', {}, 'experiment.toml (resolved)'), el('pre', { class: 'experiment' }, run.experiment)) : null,
        el('div', {},
          // The server says "(no summary: why)" for a folder it cannot build a model of (a
      // fine-tuning's classifier): kept, folded.
      run.model_summary ? el('details', { open: !run.model_summary.startsWith('(no summary') }, el('summary', {}, 'Model'),
        el('pre', { class: 'model-summary' }, run.model_summary)) : null,
          summary ? el('details', {}, el('summary', {}, 'summary.json'), kv(summary)) : null,
          run.finetune ? el('details', {}, el('summary', {}, 'finetune.toml'), el('pre', {}, run.finetune)) : null)));
  }

  load();
  return () => {
    disposed = true;
    panel.dispose();
  };
}

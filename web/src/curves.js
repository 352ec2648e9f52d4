// Training curves of one or more runs (/api/metrics), overlaid: loss (train, validation, test),
// PSNR, KL divergence of VAEs, learning rate, and the accuracies of fine-tuning folders. A run
// still training is fetched again every second, so its curves grow while the page is open.
import { getJson } from './api.js';
import { el, clear, fmt, poll } from './dom.js';
import { baseLayout, colorOf, countAxis, draw, purge, title } from './plots.js';

// Which columns of metrics.csv go on which plot, and how each is drawn.
const kGroups = [
  { key: 'loss', title: 'Loss', log: true, metrics: [
    { column: 'train_loss', label: 'train', dash: 'solid' },
    { column: 'val_loss', label: 'validation', dash: 'dash' },
    { column: 'test_loss', label: 'test', dash: 'dot', sparse: true }] },
  { key: 'psnr', title: 'PSNR (dB)', log: false, metrics: [
    { column: 'val_psnr', label: 'validation', dash: 'dash' },
    { column: 'test_psnr', label: 'test', dash: 'dot', sparse: true }] },
  { key: 'kl', title: 'KL divergence', log: true, onlyNonZero: true, metrics: [
    { column: 'kl', label: 'KL', dash: 'solid' },
    { column: 'beta', label: 'beta', dash: 'dot', onlyNonZero: true }] },
  { key: 'accuracy', title: 'Accuracy', log: false, metrics: [
    { column: 'train_accuracy', label: 'train', dash: 'solid' },
    { column: 'val_accuracy', label: 'validation', dash: 'dash' }] },
  // A constant learning rate is one number, not a plot: shown when it changes (a schedule) or
  // differs between the runs shown.
  { key: 'lr', title: 'Learning rate', log: true, onlyVarying: true, exact: true, metrics: [
    { column: 'lr', label: 'lr', dash: 'solid' }] },
];

// TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
// pulled towards zero. Missing values stay missing and do not move the average.
export function smooth(values, weight) {
  if (!weight) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n += 1;
    return last / (1 - weight ** n);
  });
}

function varies(traces) {
  const values = new Set(traces.flatMap((t) => t.y.filter((v) => v !== null)));
  return values.size > 1;
}

const hasValue = (values, nonZero) =>
  Array.isArray(values) && values.some((v) => v !== null && Number.isFinite(v) && (!nonZero || v !== 0));

export class CurvesPanel {
  // runs: [{id, name}]; onUpdate(id, metrics) is called when a run's metrics changed.
  constructor(container, { onUpdate = null } = {}) {
    this.container = container;
    this.onUpdate = onUpdate;
    this.runs = [];
    this.metrics = new Map();  // id -> /api/metrics answer
    this.logScale = true;
    this.smoothing = 0;
    this.plots = new Map();    // group key -> div
    this.build();
    this.stop = poll(() => this.refresh(), 1000);
  }

  build() {
    const logBox = el('input', { type: 'checkbox', checked: this.logScale, class: 'curves-log',
      onchange: (e) => { this.logScale = e.target.checked; this.redraw(); } });
    const value = el('span', { class: 'muted' }, '0');
    const slider = el('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: 0,
      class: 'curves-smoothing',
      oninput: (e) => { this.smoothing = Number(e.target.value); value.textContent = e.target.value; this.redraw(); } });
    this.grid = el('div', { class: 'plot-grid' });
    this.note = el('p', { class: 'muted' });
    clear(this.container,
      el('div', { class: 'toolbar' },
        el('label', {}, logBox, ' log scale'),
        el('label', {}, 'smoothing ', slider, ' ', value)),
      this.note, this.grid);
  }

  setRuns(runs) {
    this.runs = runs;
    for (const id of [...this.metrics.keys()])
      if (!runs.some((r) => r.id === id)) this.metrics.delete(id);
    this.refresh();
  }

  // Fetches the runs never fetched and those still training; redraws when anything changed.
  async refresh() {
    const wanted = this.runs.filter((r) => {
      const m = this.metrics.get(r.id);
      return !m || m.state === 'running';
    });
    if (!wanted.length) {
      if (this.dirty) this.redraw();
      return;
    }
    const answers = await Promise.all(wanted.map((r) =>
      getJson('/api/metrics', { id: r.id }).then((m) => [r.id, m], () => [r.id, null])));
    for (const [id, m] of answers) {
      if (!m || !this.runs.some((r) => r.id === id)) continue;
      const old = this.metrics.get(id);
      if (old && old.epochs === m.epochs && old.state === m.state) continue;
      this.metrics.set(id, m);
      this.dirty = true;
      if (this.onUpdate) this.onUpdate(id, m);
    }
    if (this.dirty) this.redraw();
  }

  redraw() {
    this.dirty = false;
    const single = this.runs.length === 1;
    const notes = [];
    for (const group of kGroups) {
      const traces = [];
      this.runs.forEach((run, i) => {
        const m = this.metrics.get(run.id);
        if (!m) return;
        const epochs = m.data.epoch || m.data[m.columns[0]] || [];
        for (const metric of group.metrics) {
          const values = m.data[metric.column];
          if (!hasValue(values, group.onlyNonZero || metric.onlyNonZero)) continue;
          const color = single ? colorOf(group.metrics.indexOf(metric)) : colorOf(i);
          const name = single ? metric.label : `${run.name} · ${metric.label}`;
          const line = { color, dash: single ? 'solid' : metric.dash, width: 2 };
          const common = { x: epochs, type: 'scatter', legendgroup: run.id + metric.column,
            connectgaps: !!metric.sparse };
          const weight = group.exact ? 0 : this.smoothing;
          if (weight > 0) {
            traces.push({ ...common, y: values, mode: 'lines', line: { ...line, width: 1 },
              opacity: 0.25, showlegend: false, hoverinfo: 'skip',
              meta: { run: run.id, metric: metric.column, raw: true } });
          }
          traces.push({ ...common, y: smooth(values, weight), name,
            mode: metric.sparse || epochs.length < 2 ? 'lines+markers' : 'lines', line,
            meta: { run: run.id, metric: metric.column, raw: false } });
        }
      });
      if (group.onlyVarying && traces.length && !varies(traces)) {
        const value = traces[0].y.find((v) => v !== null);
        notes.push(`${group.title.toLowerCase()} constant: ${fmt(value)}`);
        traces.length = 0;
      }
      this.drawGroup(group, traces);
    }
    this.note.textContent = this.runs.length ? notes.join(' · ') : 'Select runs to see their curves.';
  }

  drawGroup(group, traces) {
    const largest = Math.max(0, ...traces.map((t) => t.x.length ? t.x[t.x.length - 1] : 0));
    let div = this.plots.get(group.key);
    if (!traces.length) {
      if (div) {
        purge(div);
        div.parentElement.remove();
        this.plots.delete(group.key);
      }
      return;
    }
    if (!div) {
      div = el('div', { class: `plot curves-${group.key}`, dataset: { group: group.key } });
      this.plots.set(group.key, div);
      // Keep the groups' order whatever order they appear in.
      const card = el('div', { class: 'card plot-card' }, div);
      const after = kGroups.slice(kGroups.indexOf(group) + 1).map((g) => this.plots.get(g.key)).find(Boolean);
      this.grid.insertBefore(card, after ? after.parentElement : null);
    }
    const log = group.log && this.logScale;
    draw(div, traces, baseLayout({
      title: title(group.title),
      height: 300,
      hovermode: 'x unified',
      margin: { l: 60, r: 20, t: 36, b: 30 },
      xaxis: countAxis({}, largest),
      yaxis: { type: log ? 'log' : 'linear', exponentformat: 'power' },
      uirevision: `${group.key}-${log}`,
    }));
  }

  dispose() {
    this.stop();
    for (const div of this.plots.values()) purge(div);
  }
}

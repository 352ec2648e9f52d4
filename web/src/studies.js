// Studies: the list of every study of every database (/api/studies), and one study
// (/api/study, /api/importance): optimization history with the best so far, parallel
// coordinates (categorical axes labelled by their choices, log axes for log distributions),
// parameter importance, intermediate values filtered by state, slice plots, and the trials
// table. A click on a trial in any plot or row opens its run. A study with trials still running
// is fetched again every few seconds.
import { getJson } from './api.js';
import { el, clear, fmt, fmtSeconds, stateBadge, poll, errorBox, hashOf, replaceHashParams } from './dom.js';
import { baseLayout, countAxis, draw, purge, showMessage, scatterType, title } from './plots.js';

const kStateColors = { COMPLETE: '#1f77b4', PRUNED: '#ff7f0e', FAIL: '#d62728', RUNNING: '#2ca02c', WAITING: '#7f7f7f' };
const kStates = Object.keys(kStateColors);
const kTrialsPerPage = 100;
// Top right inside the plot, clear of the axis title below.
const kInsideLegend = { x: 1, xanchor: 'right', y: 1, bgcolor: 'rgba(255,255,255,0.8)', bordercolor: '#dde3e9', borderwidth: 1 };

export function mountStudies(root) {
  const box = el('div');
  clear(root, el('h1', {}, 'Studies'), box);
  const stop = poll(async () => {
    let list;
    try {
      list = await getJson('/api/studies');
    } catch (e) {
      clear(box, errorBox(e));
      return;
    }
    const cols = ['complete', 'pruned', 'fail', 'running', 'waiting'];
    clear(box, list.length ? el('table', { class: 'data studies-table' },
      el('thead', {}, el('tr', {}, ['database', 'study', 'direction', 'trials', ...cols, 'best value', 'best trial'].map((h) => el('th', {}, h)))),
      el('tbody', {}, list.map((s) => s.error
        ? el('tr', {}, el('td', {}, s.db_label), el('td', { colspan: 10, class: 'error' }, s.error))
        : el('tr', {},
          el('td', {}, s.db_label),
          el('td', {}, el('a', { href: hashOf('study', { db: s.db, name: s.name }) }, s.name)),
          el('td', {}, s.direction),
          el('td', { class: 'num' }, s.trials),
          cols.map((c) => el('td', { class: 'num' }, s[c] || '')),
          el('td', { class: 'num' }, fmt(s.best_value)),
          el('td', { class: 'num' }, s.best_trial ?? '–')))))
      : el('p', { class: 'muted' }, 'No study databases under the served folders (a *.db file of `aelab tune`, or --storage URL).'));
  }, 5000);
  return stop;
}

// Tick positions for an axis from lo to hi: 1, 2, 5 times a power of ten.
function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

// Decades (and 2x, 5x between them when the axis spans little) for a log axis, as log10 values.
function logTicks(lo, hi) {
  const ticks = [];
  const mults = hi - lo < 2.5 ? [1, 2, 5] : [1];
  for (let d = Math.floor(lo); d <= Math.ceil(hi); d++)
    for (const m of mults) {
      const t = d + Math.log10(m);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
    }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

// One axis of parcoords from the API's axis: categorical axes show their choices, log axes are
// drawn in log10 and labelled in the parameter's units. A trial that lacks the parameter (a
// conditional one) sits on a "n/a" tick below the axis's range: parcoords has no gaps.
export function parcoordsDimension(axis) {
  const present = axis.values.filter((v) => v !== null && Number.isFinite(v));
  const missing = present.length < axis.values.length;
  if (axis.categories.length) {
    const k = axis.categories.length;
    const tickvals = [...Array(k).keys()];
    const ticktext = [...axis.categories];
    if (missing) { tickvals.unshift(-1); ticktext.unshift('n/a'); }
    return { label: axis.name, values: axis.values.map((v) => (v === null ? -1 : v)), tickvals, ticktext,
      range: [missing ? -1 : 0, Math.max(k - 1, missing ? 0 : 1)] };
  }
  const log = axis.log && present.every((v) => v > 0);
  const values = axis.values.map((v) => (v === null ? null : log ? Math.log10(v) : v));
  const shown = values.filter((v) => v !== null);
  let lo = Math.min(...shown);
  let hi = Math.max(...shown);
  if (!shown.length) { lo = 0; hi = 1; }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const tickvals = log ? logTicks(lo, hi) : niceTicks(lo, hi);
  const ticktext = tickvals.map((t) => fmt(log ? 10 ** t : t, 3));
  const dim = { label: log ? `${axis.name} (log)` : axis.name, tickvals, ticktext };
  if (missing) {
    const none = lo - 0.12 * (hi - lo);
    dim.values = values.map((v) => (v === null ? none : v));
    dim.tickvals = [none, ...tickvals];
    dim.ticktext = ['n/a', ...ticktext];
    dim.range = [none, hi];
  } else {
    dim.values = values;
    dim.range = [lo, hi];
  }
  return dim;
}

// The best value so far along the trial numbers (only complete trials have values).
export function bestSoFar(points, direction) {
  let best = null;
  return points.map(({ value }) => {
    if (best === null || (direction === 'minimize' ? value < best : value > best)) best = value;
    return best;
  });
}

function distributionKind(d) {
  if (!d) return 'float';
  if (d.name === 'CategoricalDistribution') return 'categorical';
  return d.attributes && d.attributes.log ? 'log' : 'linear';
}

function paramText(v) {
  if (v === null || v === undefined) return '–';
  return typeof v === 'number' ? fmt(v) : String(v);
}

export function mountStudy(root, params) {
  const { db, name } = params;
  const head = el('div');
  const message = el('div', { class: 'study-message' });
  const logBox = el('input', { type: 'checkbox', class: 'study-log', onchange: () => drawAll() });
  const parallelTools = el('div', { class: 'toolbar', hidden: true });
  const mk = (cls) => el('div', { class: `plot ${cls}` });
  const history = mk('study-history');
  const parallel = mk('study-parallel');
  const importance = mk('study-importance');
  const intermediate = mk('study-intermediate');
  const stateFilter = el('span', { class: 'state-filter' });
  const slices = el('div', { class: 'plot slices' });
  const tableBox = el('div', { class: 'table-wrap' });
  const pagerBox = el('span', { class: 'pager' });
  const tableState = el('select', { onchange: () => { tablePage = 0; renderTable(); } },
    el('option', { value: '' }, 'all states'), kStates.map((s) => el('option', { value: s }, s.toLowerCase())));
  clear(root, head, message,
    el('div', { class: 'toolbar' }, el('label', {}, logBox, ' log scale for objective values')),
    el('div', { class: 'plot-grid two' },
      el('div', { class: 'card' }, history),
      el('div', { class: 'card' }, importance)),
    el('div', { class: 'card' }, parallelTools, parallel),
    el('div', { class: 'card' }, el('div', { class: 'toolbar' }, 'intermediate values of trials that are ', stateFilter), intermediate),
    el('h2', {}, 'Slices: objective against each parameter (colour: trial number)'), el('div', { class: 'card' }, slices),
    el('h2', {}, 'Trials'), el('div', { class: 'toolbar' }, tableState, pagerBox), tableBox);

  let study = null;
  let imp = null;  // null: not come yet
  let sortKey = 'number';
  let sortDesc = false;
  let tablePage = 0;
  let highlighted = params.trial !== undefined ? Number(params.trial) : null;
  const shownStates = new Set(kStates);
  let fingerprint = '';

  const runOfTrial = (number) => {
    const t = study.trials.find((x) => x.number === number);
    return t ? t.run : null;
  };
  // A click on a trial anywhere: its run, or a word why there is none.
  const openTrial = (number) => {
    const run = runOfTrial(number);
    if (run) location.hash = hashOf('run', { id: run });
    else clear(message, el('div', { class: 'notice' }, `trial #${number} has no run folder under the served folders`));
  };
  // Bound again after each draw, once: Plotly.react keeps a plot's listeners.
  const onClick = (div) => {
    div.removeAllListeners('plotly_click');
    div.on('plotly_click', (e) => {
      const p = e.points && e.points[0];
      if (p && p.customdata !== undefined && p.customdata !== null) openTrial(Number(p.customdata));
    });
  };

  async function load() {
    const s = await getJson('/api/study', { db, name });
    // Importance (fANOVA) takes the server a while on a big study: drawn when it comes.
    getJson('/api/importance', { db, name }).then((i) => {
      if (JSON.stringify(i) === JSON.stringify(imp)) return;
      imp = i;
      drawImportance();
    }, () => {});
    // Redraw only what changed: a study of 10,000 trials is not redrawn every few seconds.
    const print = `${s.total}:${s.trials.map((t) => `${t.state}${t.value}${t.intermediate.length}`).join(',')}`;
    study = s;
    if (print === fingerprint) return study;
    const first = !fingerprint;
    fingerprint = print;
    await renderHead();
    if (first && highlighted !== null) {
      const index = sortedTrials().findIndex((t) => t.number === highlighted);
      if (index >= 0) tablePage = Math.floor(index / kTrialsPerPage);
    }
    renderTable();
    if (first && highlighted !== null) {
      const row = tableBox.querySelector('tr.highlight');
      if (row) row.scrollIntoView({ block: 'center' });
    }
    drawAll();
    return study;
  }

  async function renderHead() {
    const counts = {};
    for (const t of study.trials) counts[t.state] = (counts[t.state] || 0) + 1;
    const complete = study.trials.filter((t) => t.state === 'COMPLETE' && t.value !== null);
    const best = complete.reduce((b, t) => (!b || (study.direction === 'minimize' ? t.value < b.value : t.value > b.value) ? t : b), null);
    // The database's file (or redacted URL), asked now: ids are given in the order the server
    // finds databases, so a list fetched earlier may name another one.
    let label = db;
    try {
      label = ((await getJson('/api/studies')).find((s) => s.db === db) || {}).db_label || db;
    } catch {
      // The id is a label too.
    }
    clear(head,
      el('p', { class: 'muted' }, el('a', { href: '#/studies' }, 'Studies'), ` › ${label}`),
      el('h1', {}, name),
      el('div', { class: 'figures' },
        el('div', { class: 'figure' }, el('div', { class: 'figure-value' }, study.total), el('div', { class: 'figure-label' }, 'trials')),
        kStates.filter((s) => counts[s]).map((s) => el('div', { class: 'figure' }, el('div', { class: 'figure-value' }, counts[s]), el('div', { class: 'figure-label' }, s.toLowerCase()))),
        el('div', { class: 'figure' }, el('div', { class: 'figure-value' }, study.direction), el('div', { class: 'figure-label' }, 'direction')),
        best ? el('div', { class: 'figure' }, el('div', { class: 'figure-value' }, fmt(best.value)), el('div', { class: 'figure-label' }, `best: trial #${best.number}`)) : null));
  }

  // Plot after plot, each in its own task, so the page paints (and answers clicks) between
  // them: the parallel coordinates of thousands of trials take seconds in a software renderer.
  let drawing = 0;
  async function drawAll() {
    if (!study) return;
    const mine = ++drawing;
    for (const step of [drawHistory, drawIntermediate, drawSlices, drawImportance, drawParallel]) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (mine !== drawing || stopped) return;
      step();
    }
  }

  const valueAxis = (title) => ({ title: { text: title }, type: logBox.checked ? 'log' : 'linear', exponentformat: 'power' });

  function drawHistory() {
    const points = study.trials.filter((t) => t.state === 'COMPLETE' && t.value !== null)
      .map((t) => ({ number: t.number, value: t.value }));
    const best = bestSoFar(points, study.direction);
    const type = scatterType(points.length);
    draw(history, [
      { type, mode: 'markers', name: 'objective', x: points.map((p) => p.number), y: points.map((p) => p.value),
        customdata: points.map((p) => p.number), marker: { color: kStateColors.COMPLETE, size: 6, opacity: 0.7 },
        hovertemplate: 'trial #%{x}: %{y}<extra></extra>' },
      { type, mode: 'lines', name: 'best so far', x: points.map((p) => p.number), y: best,
        line: { color: '#d62728', shape: 'hv', width: 2 }, hoverinfo: 'skip' },
    ], baseLayout({ title: title('Optimization history'), height: 340, legend: kInsideLegend,
      xaxis: countAxis({ title: { text: 'trial' } }, study.total), yaxis: valueAxis('objective') }));
    onClick(history);
  }

  // Beyond this many complete trials the parallel coordinates show the best ones unless asked
  // for all: thousands of lines are a solid block, and seconds to draw without a GPU.
  const kParallelLines = 2000;
  const allLines = el('input', { type: 'checkbox', class: 'parallel-all', onchange: () => drawParallel() });
  const allLinesLabel = el('label', { class: 'parallel-all-label' }, allLines, ' ');
  parallelTools.append(allLinesLabel);

  function drawParallel() {
    const axes = study.parallel.axes;
    const n = axes.length ? axes[0].values.length : 0;
    if (!n) {
      showMessage(parallel, 'Parallel coordinates: no complete trial yet.');
      return;
    }
    let keep = null;
    if (n > kParallelLines && !allLines.checked) {
      const objective = axes[axes.length - 1].values;
      const sign = study.direction === 'minimize' ? 1 : -1;
      keep = [...objective.keys()].sort((i, j) => sign * (objective[i] - objective[j])).slice(0, kParallelLines).sort((i, j) => i - j);
    }
    const pick = (values) => (keep ? keep.map((i) => values[i]) : values);
    allLinesLabel.lastChild.textContent = ` all ${n} complete trials`;
    parallelTools.hidden = n <= kParallelLines;
    // The objective's axis follows the page's log toggle; the parameters' follow their distributions.
    const dims = axes.map((a, i) => parcoordsDimension({ ...a, values: pick(a.values), ...(i === axes.length - 1 ? { log: logBox.checked } : {}) }));
    const what = keep ? `the best ${kParallelLines} of ${n} complete trials` : 'complete trials';
    draw(parallel, [{
      type: 'parcoords',
      dimensions: dims,
      labelangle: axes.length > 6 ? -15 : 0,
      labelside: 'top',
      line: { color: pick(study.parallel.color), colorscale: 'Viridis', reversescale: study.direction === 'minimize',
        showscale: true, colorbar: { title: { text: 'objective' }, thickness: 12 } },
    }], baseLayout({ title: title(`Parallel coordinates (${what})`), height: 420,
      margin: { l: 70, r: 60, t: 90, b: 30 } }));
  }

  function drawImportance() {
    if (!imp) {
      showMessage(importance, 'Parameter importance: computing…');
      return;
    }
    if (!imp.length) {
      showMessage(importance, 'Parameter importance needs at least two complete trials.');
      return;
    }
    const rows = [...imp].reverse();  // most important at the top
    draw(importance, [{ type: 'bar', orientation: 'h', x: rows.map((r) => r.importance), y: rows.map((r) => r.param),
      marker: { color: '#1f77b4' }, hovertemplate: '%{y}: %{x:.3f}<extra></extra>' }],
    baseLayout({ title: title('Parameter importance (fANOVA)'), height: 340,
      margin: { l: 20, r: 20, t: 36, b: 44 }, xaxis: { title: { text: 'importance' }, range: [0, 1] },
      yaxis: { automargin: true, ticksuffix: ' ' } }));
  }

  function drawIntermediate() {
    const counts = {};
    for (const t of study.trials) if (t.intermediate.length) counts[t.state] = (counts[t.state] || 0) + 1;
    clear(stateFilter, kStates.filter((s) => counts[s]).map((s) => el('label', { class: 'state-toggle' },
      el('input', { type: 'checkbox', checked: shownStates.has(s), dataset: { state: s },
        onchange: (e) => { if (e.target.checked) shownStates.add(s); else shownStates.delete(s); drawIntermediate(); } }),
      ' ', stateBadge(s), ` ${counts[s]}`)));
    // One trace per state, the trials' curves joined by gaps: 10,000 curves as 10,000 traces
    // would take Plotly minutes. SVG, not WebGL, whatever the size: Plotly simplifies an SVG
    // line, while its WebGL lines took 13 s for 90,000 points in a software renderer.
    const traces = [];
    for (const s of kStates) {
      if (!shownStates.has(s) || !counts[s]) continue;
      const x = [];
      const y = [];
      const custom = [];
      for (const t of study.trials) {
        if (t.state !== s || !t.intermediate.length) continue;
        for (const [step, v] of t.intermediate) { x.push(step); y.push(v); custom.push(t.number); }
        x.push(null); y.push(null); custom.push(null);
      }
      traces.push({ type: 'scatter', mode: x.length < 400 ? 'lines+markers' : 'lines', name: s.toLowerCase(),
        x, y, customdata: custom, line: { color: kStateColors[s], width: 1.5 }, marker: { size: 4 }, opacity: 0.8,
        hovertemplate: 'trial #%{customdata}, step %{x}: %{y}<extra></extra>' });
    }
    if (!Object.keys(counts).length) {
      showMessage(intermediate, 'No trial reported intermediate values yet.');
      return;
    }
    const largest = Math.max(0, ...study.trials.map((t) => (t.intermediate.length ? t.intermediate[t.intermediate.length - 1][0] : 0)));
    draw(intermediate, traces, baseLayout({ title: title('Intermediate values'), height: 360, legend: kInsideLegend,
      xaxis: countAxis({ title: { text: 'step (epoch)' } }, largest), yaxis: valueAxis('intermediate value') }));
    onClick(intermediate);
  }

  // One figure with a subplot per parameter, as Optuna's plot_slice: one WebGL context for all
  // of them (a browser keeps 16; a plot each would lose the oldest ones in a big study).
  function drawSlices() {
    const complete = study.trials.filter((t) => t.state === 'COMPLETE' && t.value !== null);
    const names = Object.keys(study.params);
    if (!names.length) {
      showMessage(slices, 'No parameters.');
      return;
    }
    const columns = Math.min(names.length, Math.max(1, Math.floor((slices.clientWidth || 1200) / 330)));
    const rows = Math.ceil(names.length / columns);
    const type = scatterType(complete.length);
    const layout = baseLayout({ height: 290 * rows, showlegend: false, margin: { l: 60, r: 16, t: 20, b: 50 },
      grid: { rows, columns, pattern: 'independent', xgap: 0.12, ygap: 0.35 } });
    const traces = names.map((param, i) => {
      const d = study.params[param];
      const kind = distributionKind(d);
      const rowsOf = complete.filter((t) => t.params[param] !== undefined && t.params[param] !== null);
      const axis = i === 0 ? '' : String(i + 1);
      const xaxis = { title: { text: param, standoff: 4 } };
      if (kind === 'categorical') Object.assign(xaxis, { type: 'category', categoryorder: 'array', categoryarray: d.attributes.choices.map(String) });
      if (kind === 'log') Object.assign(xaxis, { type: 'log', exponentformat: 'power' });
      layout[`xaxis${axis}`] = xaxis;
      layout[`yaxis${axis}`] = i % columns === 0 ? valueAxis('objective') : { ...valueAxis(''), title: undefined };
      return { type, mode: 'markers', xaxis: `x${axis}`, yaxis: `y${axis}`, name: param, meta: { param },
        x: rowsOf.map((t) => (kind === 'categorical' ? String(t.params[param]) : t.params[param])), y: rowsOf.map((t) => t.value),
        customdata: rowsOf.map((t) => t.number),
        marker: { color: rowsOf.map((t) => t.number), colorscale: 'Viridis', cmin: 0, cmax: study.total, size: 6,
          opacity: complete.length > 2000 ? 0.5 : 0.85 },
        hovertemplate: `trial #%{customdata}: ${param}=%{x}, objective %{y}<extra></extra>` };
    });
    draw(slices, traces, layout);
    onClick(slices);
  }

  function sortedTrials() {
    const key = sortKey;
    const get = (t) => (key in t ? t[key] : t.params[key]);
    const rows = study.trials.filter((t) => !tableState.value || t.state === tableState.value);
    return rows.sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sortDesc ? -c : c;
    });
  }

  function renderTable() {
    const names = Object.keys(study.params);
    const rows = sortedTrials();
    const pages = Math.max(1, Math.ceil(rows.length / kTrialsPerPage));
    tablePage = Math.min(tablePage, pages - 1);
    const page = rows.slice(tablePage * kTrialsPerPage, (tablePage + 1) * kTrialsPerPage);
    const th = (key, label) => el('th', { class: `sortable ${sortKey === key ? 'sorted' : ''}`, onclick: () => {
      if (sortKey === key) sortDesc = !sortDesc; else { sortKey = key; sortDesc = false; }
      renderTable();
    } }, label, sortKey === key ? (sortDesc ? ' ▼' : ' ▲') : '');
    clear(tableBox, el('table', { class: 'data trials-table' },
      el('thead', {}, el('tr', {}, th('number', '#'), th('state', 'state'), th('value', 'value'), th('duration', 'duration'),
        names.map((n) => th(n, n)), th('datetime_start', 'started'), el('th', {}, 'reason'), el('th', {}, 'run'))),
      el('tbody', {}, page.map((t) => el('tr', {
        class: `${t.run ? 'clickable' : ''} ${t.number === highlighted ? 'highlight' : ''}`,
        dataset: { number: t.number },
        onclick: (e) => { if (t.run && e.target.tagName !== 'A') location.hash = hashOf('run', { id: t.run }); },
      },
      el('td', { class: 'num' }, t.number),
      el('td', {}, stateBadge(t.state)),
      el('td', { class: 'num' }, fmt(t.value)),
      el('td', { class: 'num' }, t.duration === null ? '–' : fmtSeconds(t.duration)),
      names.map((n) => el('td', { class: typeof t.params[n] === 'number' ? 'num' : null }, paramText(t.params[n]))),
      el('td', {}, t.datetime_start ? new Date(t.datetime_start * 1000).toLocaleString() : '–'),
      el('td', { class: 'reason', title: t.reason || '' }, t.reason || ''),
      el('td', {}, t.run ? el('a', { href: hashOf('run', { id: t.run }) }, 'open') : '–'))))));
    clear(pagerBox,
      el('button', { disabled: tablePage <= 0, onclick: () => { tablePage -= 1; renderTable(); } }, '‹ previous'),
      el('span', { class: 'trials-count' }, rows.length
        ? ` ${tablePage * kTrialsPerPage + 1}–${tablePage * kTrialsPerPage + page.length} of ${rows.length} trials ` : ' 0 trials '),
      el('button', { disabled: tablePage >= pages - 1, onclick: () => { tablePage += 1; renderTable(); } }, 'next ›'));
  }

  let stopped = false;
  let timer = null;
  // Fetched again while trials run; a finished study once.
  const tick = async () => {
    try {
      await load();
      clear(message);
    } catch (e) {
      clear(message, errorBox(e));
    }
    const active = study && study.trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    // A big study is 6 MB a fetch: asked for less often.
    const every = study && study.total > 2000 ? 10000 : 3000;
    if (!stopped && (active || !study)) timer = setTimeout(tick, every);
  };
  tick();
  replaceHashParams('study', params);
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const div of [history, parallel, importance, intermediate, slices]) purge(div);
  };
}


// The runs table (/api/runs): filtered, sorted and paged by the server, so a folder of
// thousands of runs costs one page per view. Ticking runs overlays their curves below the
// table (curves.js); the selection, filter, order and page live in the address bar.
import { getJson } from './api.js';
import { el, clear, fmt, fmtAge, stateBadge, poll, errorBox, hashOf, replaceHashParams } from './dom.js';
import { CurvesPanel } from './curves.js';
import { colorOf } from './plots.js';

const kColumns = [
  { key: 'name', label: 'run', text: true },
  { key: 'dataset', label: 'dataset', text: true },
  { key: 'model', label: 'model', text: true },
  { key: 'latent', label: 'latent' },
  { key: 'epochs', label: 'epochs' },
  { key: 'best_val_loss', label: 'best val loss' },
  { key: 'test_loss', label: 'test loss' },
  { key: 'test_psnr', label: 'PSNR' },
  { key: 'test_ssim', label: 'SSIM' },
  { key: 'images_per_second', label: 'images/s' },
  { key: 'state', label: 'state', text: true },
  { key: 'updated', label: 'updated' },
];

export function mountRuns(root, params) {
  const state = {
    q: params.q || '',
    sort: params.sort || 'updated',
    order: params.order || (params.sort ? 'asc' : 'desc'),
    offset: Number(params.offset) || 0,
    limit: Number(params.limit) || 100,
    selected: new Map(),  // id -> name, in the order ticked
  };
  for (const id of (params.sel || '').split(',').filter(Boolean)) state.selected.set(id, id);

  const filter = el('input', { type: 'search', class: 'runs-filter', value: state.q,
    placeholder: 'filter: words of name, dataset, model, state', size: 40 });
  let filterTimer = null;
  filter.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => { state.q = filter.value; state.offset = 0; refresh(); }, 250);
  });
  const pageSize = el('select', { onchange: (e) => { state.limit = Number(e.target.value); state.offset = 0; refresh(); } },
    [50, 100, 500, 1000].map((n) => el('option', { value: n }, `${n} per page`)));
  pageSize.value = String(state.limit);
  const pager = el('span', { class: 'pager' });
  const table = el('table', { class: 'data runs-table' });
  const selection = el('div', { class: 'selection' });
  const curves = el('div', { class: 'curves' });
  const message = el('div');
  clear(root,
    el('h1', {}, 'Runs'),
    el('div', { class: 'toolbar' }, filter, pageSize, pager),
    message,
    el('div', { class: 'table-wrap' }, table),
    el('h2', {}, 'Curves of the selected runs'),
    selection, curves);

  const panel = new CurvesPanel(curves);
  let lastAnswer = '';
  let renderedAt = 0;

  function saveHash() {
    replaceHashParams('runs', { q: state.q, sort: state.sort, order: state.order,
      offset: state.offset || null, limit: state.limit === 100 ? null : state.limit,
      sel: [...state.selected.keys()].join(',') });
  }

  function selectionChanged() {
    saveHash();
    const runs = [...state.selected].map(([id, name]) => ({ id, name }));
    panel.setRuns(runs);
    const ids = runs.map((r) => r.id);
    clear(selection,
      runs.length ? runs.map((r, i) => el('span', { class: 'chip', style: `border-color:${colorOf(i)}` },
        el('a', { href: hashOf('run', { id: r.id }) }, r.name), ' ',
        el('button', { class: 'link', title: 'remove', onclick: () => { state.selected.delete(r.id); render(lastRows); selectionChanged(); } }, '×')))
        : el('span', { class: 'muted' }, 'Tick runs in the table to overlay their curves.'),
      runs.length >= 1 ? el('a', { class: 'button', href: hashOf('latent', { a: ids[0], b: ids[1] }) },
        runs.length >= 2 ? 'latent maps of the first two side by side' : 'latent map') : null,
      runs.length ? el('button', { onclick: () => { state.selected.clear(); render(lastRows); selectionChanged(); } }, 'clear') : null);
  }

  function header() {
    return el('thead', {}, el('tr', {},
      el('th', {}, ''),
      kColumns.map((c) => el('th', {
        class: `sortable ${c.text ? '' : 'num'} ${state.sort === c.key ? 'sorted' : ''}`,
        title: `sort by ${c.label}`,
        dataset: { key: c.key },
        onclick: () => {
          if (state.sort === c.key) state.order = state.order === 'asc' ? 'desc' : 'asc';
          else { state.sort = c.key; state.order = c.text ? 'asc' : (c.key === 'updated' ? 'desc' : 'asc'); }
          state.offset = 0;
          refresh();
        },
      }, c.label, state.sort === c.key ? (state.order === 'asc' ? ' ▲' : ' ▼') : ''))));
  }

  function cell(row, c) {
    const v = row[c.key];
    if (c.key === 'name') return el('td', {}, el('a', { href: hashOf('run', { id: row.id }) }, v));
    if (c.key === 'state') return el('td', {}, stateBadge(v));
    if (c.key === 'updated') return el('td', { class: 'num', title: v ? new Date(v * 1000).toLocaleString() : '' }, fmtAge(v));
    if (c.key === 'images_per_second') return el('td', { class: 'num' }, v === null || v === undefined ? '–' : Math.round(v));
    if (c.key === 'test_psnr') return el('td', { class: 'num' }, v === null || v === undefined ? '–' : v.toFixed(2));
    if (c.key === 'test_ssim') return el('td', { class: 'num' }, v === null || v === undefined ? '–' : v.toFixed(4));
    return el('td', { class: c.text ? null : 'num', title: typeof v === 'number' ? String(v) : null }, fmt(v));
  }

  let lastRows = [];
  function render(rows) {
    lastRows = rows;
    const body = el('tbody', {}, rows.map((row) => {
      const box = el('input', { type: 'checkbox', checked: state.selected.has(row.id),
        title: 'overlay its curves',
        onchange: (e) => {
          if (e.target.checked) state.selected.set(row.id, row.name);
          else state.selected.delete(row.id);
          selectionChanged();
        } });
      return el('tr', { dataset: { id: row.id }, class: state.selected.has(row.id) ? 'selected' : null },
        el('td', {}, box), kColumns.map((c) => cell(row, c)));
    }));
    clear(table, header(), body);
    if (!rows.length) body.append(el('tr', {}, el('td', { colspan: kColumns.length + 1, class: 'muted' },
      state.q ? 'No run matches the filter.' : 'No runs under the served folders yet.')));
  }

  async function refresh() {
    saveHash();
    let answer;
    try {
      answer = await getJson('/api/runs', { q: state.q, sort: state.sort, order: state.order,
        offset: state.offset, limit: state.limit });
      clear(message);
    } catch (e) {
      clear(message, errorBox(e));
      return;
    }
    // Names of runs selected through the address bar, once their rows are seen.
    for (const row of answer.runs)
      if (state.selected.has(row.id) && state.selected.get(row.id) !== row.name) {
        state.selected.set(row.id, row.name);
        selectionChanged();
      }
    const text = JSON.stringify(answer);
    // Nothing changed: keep the DOM (and the hover) as it is, but for the "updated" ages.
    if (text === lastAnswer && Date.now() - renderedAt < 30000) return;
    lastAnswer = text;
    renderedAt = Date.now();
    render(answer.runs);
    const last = Math.min(answer.total, answer.offset + answer.runs.length);
    clear(pager,
      el('button', { disabled: answer.offset <= 0, onclick: () => { state.offset = Math.max(0, state.offset - state.limit); refresh(); } }, '‹ previous'),
      el('span', { class: 'runs-count' }, answer.total ? ` ${answer.offset + 1}–${last} of ${answer.total} runs ` : ' 0 runs '),
      el('button', { disabled: last >= answer.total, onclick: () => { state.offset += state.limit; refresh(); } }, 'next ›'));
  }

  selectionChanged();
  // The table follows trainings that start, grow and end while it is open.
  const stop = poll(refresh, 2000);
  return () => {
    stop();
    clearTimeout(filterTimer);
    panel.dispose();
  };
}

// Small DOM and formatting helpers shared by the views: no framework, the pages are tables,
// plots and pictures.

// el('a', {href: '#/runs', class: 'x', onclick: f}, 'text', child, ...): attributes starting
// with "on" are listeners; null / false children are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// Numbers as a researcher reads them in a table: 4 significant digits, exponent notation for
// very small or large magnitudes, a dash for a missing figure.
export function fmt(value, digits = 4) {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return String(value);
  const a = Math.abs(value);
  // 5e-4, not 5.00e-4: trailing zeros of the mantissa say nothing.
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return value.toExponential(digits - 2).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(digits)));
}

export function fmtSeconds(s) {
  if (s === null || s === undefined) return '–';
  if (s < 60) return `${fmt(s, 3)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

// "12 s ago", "3 min ago", or the date for older times (seconds since the epoch).
export function fmtAge(epochSeconds) {
  if (!epochSeconds) return '–';
  const age = Date.now() / 1000 - epochSeconds;
  if (age < 90) return `${Math.max(0, Math.round(age))} s ago`;
  if (age < 5400) return `${Math.round(age / 60)} min ago`;
  if (age < 36 * 3600) return `${Math.round(age / 3600)} h ago`;
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

// The state of a run or a trial as a coloured label (style.css: .state-<name>).
export function stateBadge(state) {
  const name = String(state || 'unknown').toLowerCase().replace(/\s+/g, '-');
  return el('span', { class: `state state-${name}` }, String(state || '–').toLowerCase());
}

// Calls `fn` now and then every `ms` after each call settles (never two at once), until the
// returned stop() is called. A failing call is retried on the next tick: a server restarting
// or a file being rewritten is no reason to stop watching.
export function poll(fn, ms) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    try {
      await fn();
    } catch (e) {
      console.warn(e.message || e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

// A Markdown pipe table ("| a | b |\n| --- | --- |\n| 1 | 2 |") as an HTML table; other text
// as preformatted text.
export function markdownTable(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('|'));
  const cells = (line) => line.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  if (lines.length < 2 || !/^\|?[\s:|-]+\|?$/.test(lines[1])) return el('pre', {}, text);
  const head = cells(lines[0]);
  const rows = lines.slice(2).map(cells);
  const numeric = (c) => c !== '' && !Number.isNaN(Number(c));
  // A column of numbers is right-aligned, its title too.
  const numericColumn = head.map((_, i) => rows.some((r) => numeric(r[i] || '')));
  return el('table', { class: 'data' },
    el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { class: numericColumn[i] ? 'num' : null }, h)))),
    el('tbody', {}, rows.map((row) =>
      el('tr', {}, row.map((c) => el('td', { class: numeric(c) ? 'num' : null },
        numeric(c) ? fmt(Number(c)) : c.replace(/`/g, '')))))));
}

export function errorBox(error) {
  return el('div', { class: 'error' }, String(error.message || error));
}

// Parameters of the hash route ("#/run?id=0/x" -> {id: "0/x"}) and the route's name.
export function parseHash(hash = location.hash) {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const name = q < 0 ? text : text.slice(0, q);
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? '' : text.slice(q + 1)));
  return { name: name || 'runs', params };
}

export function hashOf(name, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  const q = query.toString();
  return `#/${name}${q ? '?' + q : ''}`;
}

// Rewrites the current route's parameters in the address bar without reloading the view (a
// sort order, a filter): a reload or a shared link then opens the same view.
export function replaceHashParams(name, params) {
  history.replaceState(null, '', location.pathname + location.search + hashOf(name, params));
}

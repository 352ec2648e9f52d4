// The data source of a report made by `aelab report FOLDER --html FILE`: the page carries the
// server's answers in window.AELAB_STATIC (src/aelab/serve/static_report.h says what is in it),
// and api.js asks here instead of fetching. Absent, the page is the dashboard of `aelab serve`.

export const snapshot = typeof window !== 'undefined' && window.AELAB_STATIC ? window.AELAB_STATIC : null;

// The key static_key() of static_report.cpp stores an answer under: the path, then the query
// sorted by name, values through encodeURIComponent; empty values left out, as apiUrl does.
export function staticKey(path, params = {}) {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return path + entries.map(([k, v], i) => `${i ? '&' : '?'}${k}=${encodeURIComponent(String(v))}`).join('');
}

// /api/runs over every row of the report, as api.cpp answers it: every word of q in the row's
// text columns (case-insensitive), sorted by one column with missing figures last in either
// order, then a page of it.
const kTextColumns = ['name', 'dataset', 'model', 'state', 'kind'];
const kDefaultPage = 100;
const kMaxPage = 5000;

function matches(row, q) {
  const text = kTextColumns.filter((k) => typeof row[k] === 'string').map((k) => row[k].toLowerCase()).join(' ');
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((word) => text.includes(word));
}

// Values of different types order by type, as nlohmann::json's do.
const kTypeRank = { object: 1, string: 3, boolean: 4, number: 5 };
function lowerThan(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return (kTypeRank[typeof a] || 0) < (kTypeRank[typeof b] || 0);
}

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
const intOr = (v, fallback) => (v === undefined || v === null || v === '' ? fallback : Math.trunc(Number(v)));

export function runsPage(rows, params = {}) {
  const q = params.q || '';
  const sort = params.sort || 'name';
  const desc = params.order === 'desc';
  const picked = rows.filter((r) => !q || matches(r, q));
  const value = (r) => (r[sort] === undefined ? null : r[sort]);
  // Array.prototype.sort is stable, as the server's std::stable_sort.
  picked.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return (x === null) - (y === null);
    if (desc ? lowerThan(y, x) : lowerThan(x, y)) return -1;
    return (desc ? lowerThan(x, y) : lowerThan(y, x)) ? 1 : 0;
  });
  const total = picked.length;
  const offset = clamp(intOr(params.offset, 0), 0, total);
  const limit = clamp(intOr(params.limit, kDefaultPage), 0, kMaxPage);
  return { total, offset, limit, runs: picked.slice(offset, offset + limit) };
}

// The answer of a route: {status: 200, body} or {status, error}.
export function staticAnswer(path, params = {}) {
  if (path === '/api/runs') return { status: 200, body: runsPage(snapshot.runs, params) };
  const key = staticKey(path, params);
  if (Object.prototype.hasOwnProperty.call(snapshot.responses, key))
    return { status: 200, body: structuredClone(snapshot.responses[key]) };
  if (Object.prototype.hasOwnProperty.call(snapshot.errors, key)) return snapshot.errors[key];
  return { status: 404, error: 'not in this report (aelab serve shows it)' };
}

// A picture of a run as a data: URI, or null when the report left it out.
export function staticFile(id) {
  return snapshot.files[id] || null;
}

// Why a picture is missing from the report, for the place it would be.
export function leftOutNote() {
  const mb = Math.round(snapshot.report.max_picture_bytes / (1 << 20));
  return `not in this report: its pictures were limited to ${mb} MB (aelab report --max-pictures-mb)`;
}

// The JSON API of `aelab serve` (src/aelab/serve/api.h lists the routes) and the token.
//
// A server reachable beyond loopback wants a token: the URL it prints carries ?token=. The
// first page load hands it over; the server answers that load with an HttpOnly cookie, which
// the browser then sends with every request, pictures included. The page also keeps the token
// for this tab (sessionStorage) and sends it as a Bearer header, so that fetches work where
// cookies are refused, and takes it out of the address bar so it is not shared by copying the
// URL or left in screenshots.
//
// A report made by `aelab report` carries the answers in the page (static_source.js): then
// nothing is fetched, and pictures are data: URIs.
import { snapshot, staticAnswer, staticFile } from './static_source.js';

// True in a report file: no server behind the page.
export const isStatic = snapshot !== null;

const kTokenKey = 'aelab_token';

export function takeTokenFromUrl() {
  if (isStatic) return;
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (!token) return;
  sessionStorage.setItem(kTokenKey, token);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
}

function token() {
  return sessionStorage.getItem(kTokenKey) || '';
}

export class ApiError extends Error {
  constructor(status, message, path) {
    super(`${path}: ${message} (HTTP ${status})`);
    this.status = status;
  }
}

// The URL of a route with its query; empty values are left out. `withToken` puts the token in
// the query, for URLs the browser fetches by itself (<img src>) in case cookies are off.
export function apiUrl(path, params = {}, withToken = false) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  if (withToken && token()) query.set('token', token());
  const q = query.toString();
  return path + (q ? '?' + q : '');
}

export async function getJson(path, params = {}) {
  if (isStatic) {
    const answer = staticAnswer(path, params);
    if (answer.status !== 200) throw new ApiError(answer.status, answer.error, path);
    return answer.body;
  }
  const headers = token() ? { Authorization: 'Bearer ' + token() } : {};
  const response = await fetch(apiUrl(path, params), { headers, cache: 'no-store' });
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = (await response.json()).error || message;
    } catch {
      // Not JSON (a proxy's page): the status text says enough.
    }
    throw new ApiError(response.status, message, path);
  }
  return response.json();
}

// A file of a run folder (/api/file): `name` is relative to the run ("reconstructions.png").
// In a report, its data: URI, or null when the report left it out.
export function runFileUrl(runId, name) {
  if (isStatic) return staticFile(runId + '/' + name);
  return apiUrl('/api/file', { id: runId + '/' + name }, true);
}

export function latentImageUrl(runId, index) {
  return apiUrl('/api/latent/image', { id: runId, index }, true);
}

export function interpolationUrl(runId, from, to, steps) {
  return apiUrl('/api/interpolate', { id: runId, from, to, steps }, true);
}

// /api/info, fetched once: roots, databases, whether the server decodes pictures.
let info = null;
export function serverInfo() {
  if (!info) info = getJson('/api/info').catch((e) => {
    info = null;
    throw e;
  });
  return info;
}

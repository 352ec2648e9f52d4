// The dashboard of `aelab serve` (docs/dashboard.md): hash routes to one view each. A view is a
// function mount(root, params) that draws into `root` and returns what stops it (its polling,
// its plots) when the route changes.
import { isStatic, takeTokenFromUrl, serverInfo } from './api.js';
import { snapshot } from './static_source.js';
import { el, clear, parseHash } from './dom.js';
import { mountRuns } from './runs.js';
import { mountRun } from './run.js';
import { mountStudies, mountStudy } from './studies.js';
import { mountLatent } from './latent.js';

const kViews = {
  runs: { mount: mountRuns, nav: 'runs' },
  run: { mount: mountRun, nav: 'runs' },
  studies: { mount: mountStudies, nav: 'studies' },
  study: { mount: mountStudy, nav: 'studies' },
  latent: { mount: mountLatent, nav: 'latent' },
};

takeTokenFromUrl();

const main = el('main', { id: 'view' });
const navLinks = {
  runs: el('a', { href: '#/runs' }, 'Runs'),
  studies: el('a', { href: '#/studies' }, 'Studies'),
  latent: el('a', { href: '#/latent' }, 'Latent explorer'),
};
const roots = el('span', { class: 'roots muted' });
clear(document.getElementById('app'),
  el('header', {}, el('a', { class: 'brand', href: '#/runs' }, 'aelab'), el('nav', {}, Object.values(navLinks)), roots),
  main);

serverInfo().then((info) => {
  roots.textContent = info.roots.join(' · ');
  roots.title = 'served folders';
  // A report file says what it is: a picture of these folders at one time, not a live view.
  if (isStatic) {
    roots.textContent = `report of ${info.roots.join(' · ')}${snapshot.report.made ? ', made ' + snapshot.report.made : ''}`;
    roots.title = 'aelab report: the pages as they were when the file was made';
  }
}, () => {});

let dispose = null;
function route() {
  if (dispose) dispose();
  const { name, params } = parseHash();
  const view = kViews[name] || kViews.runs;
  for (const [key, link] of Object.entries(navLinks)) link.classList.toggle('active', key === view.nav);
  const root = el('div', { class: `view view-${name}` });
  clear(main, root);
  window.scrollTo(0, 0);
  dispose = view.mount(root, params) || null;
}

window.addEventListener('hashchange', route);
route();

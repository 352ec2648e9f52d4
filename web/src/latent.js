// The latent explorer: the 2-D map of a run's test codes (latent-<method>.csv of `aelab latent`,
// /api/latent) coloured by class. Hovering a point shows that test image beside its
// reconstruction (/api/latent/image, decoded by the server); clicking two points shows the
// decoded interpolation between them (/api/interpolate). Two runs' maps sit side by side.
import { getJson, isStatic, serverInfo, latentImageUrl, interpolationUrl } from './api.js';
import { el, clear, fmt, errorBox, replaceHashParams } from './dom.js';
import { baseLayout, colorOf, draw, purge, scatterType, title } from './plots.js';

const kInterpolationSteps = 10;

// Loads one picture at a time and only the newest one asked for: sweeping the mouse over a map
// must not queue hundreds of decodes on the server.
class LatestImage {
  constructor(img, onShown) {
    this.img = img;
    this.onShown = onShown;
    this.busy = false;
    this.next = null;
  }
  show(url, info) {
    this.next = { url, info };
    if (!this.busy) this.pump();
  }
  pump() {
    const job = this.next;
    this.next = null;
    if (!job) return;
    this.busy = true;
    const loader = new Image();
    const done = (ok) => {
      this.busy = false;
      if (ok && !this.next) {
        this.img.src = loader.src;
        this.onShown(job.info);
      }
      this.pump();
    };
    loader.onload = () => done(true);
    loader.onerror = () => done(false);
    loader.src = job.url;
  }
}

class LatentPane {
  constructor(container, side, state, runs, decoding, onChange) {
    this.container = container;
    this.side = side;
    this.state = state;  // {run, method}
    this.runs = runs;
    this.decoding = decoding;
    this.onChange = onChange;
    this.picks = [];
    this.build();
    if (state.run) this.loadRun();
  }

  build() {
    this.runSelect = el('select', { class: 'latent-run', onchange: (e) => { this.state.run = e.target.value; this.state.method = ''; this.onChange(); this.loadRun(); } },
      el('option', { value: '' }, '(choose a run)'), this.runs.map((r) => el('option', { value: r.id }, r.name)));
    this.runSelect.value = this.state.run || '';
    this.methodSelect = el('select', { class: 'latent-method', onchange: (e) => { this.state.method = e.target.value; this.onChange(); this.loadMap(); } });
    this.info = el('p', { class: 'muted latent-info' });
    this.map = el('div', { class: 'plot latent-map' });
    this.hoverImg = el('img', { class: 'latent-hover-image', alt: '' });
    this.hoverCaption = el('p', { class: 'muted latent-hover-caption' },
      this.decoding ? 'Hover over a point: its test image and reconstruction. Click two points: the interpolation between them.'
        : isStatic ? 'The images of points and interpolations between them are decoded by the run\'s model: aelab serve shows them (this page is a report file).'
          : 'This server decodes no pictures (aelab serve without a model service).');
    this.picksBox = el('p', { class: 'latent-picks' });
    this.interpImg = el('img', { class: 'latent-interpolation', alt: '' });
    this.hover = new LatestImage(this.hoverImg, ({ index, label }) => {
      this.hoverCaption.textContent = `test image #${index} · ${label} — left: the image, right: its reconstruction`;
      this.hoverImg.dataset.index = index;
    });
    clear(this.container,
      el('div', { class: 'toolbar' }, this.runSelect, this.methodSelect),
      this.info,
      el('div', { class: 'latent-body' },
        el('div', { class: 'card' }, this.map),
        el('div', { class: 'card latent-side' }, el('h3', {}, 'Test image'), this.hoverImg, this.hoverCaption)),
      el('div', { class: 'card latent-strip' }, el('h3', {}, 'Interpolation'), this.picksBox, this.interpImg));
  }

  async loadRun() {
    purge(this.map);
    clear(this.info);
    if (!this.state.run) return;
    let run;
    try {
      run = await getJson('/api/run', { id: this.state.run });
    } catch (e) {
      clear(this.info, errorBox(e));
      return;
    }
    const methods = run.latent_methods;
    clear(this.methodSelect, methods.map((m) => el('option', { value: m }, m === 'tsne' ? 't-SNE' : m.toUpperCase())));
    if (!methods.length) {
      clear(this.info, el('div', { class: 'notice' }, `${run.row.name} has no latent map yet: `, el('code', {}, 'aelab latent <run> --method pca'), ' (or tsne) writes one.'));
      return;
    }
    if (!methods.includes(this.state.method)) this.state.method = methods.includes('tsne') ? 'tsne' : methods[0];
    this.methodSelect.value = this.state.method;
    this.onChange();
    this.loadMap();
  }

  async loadMap() {
    let data;
    try {
      data = await getJson('/api/latent', { id: this.state.run, method: this.state.method });
    } catch (e) {
      clear(this.info, errorBox(e));
      return;
    }
    this.data = data;
    this.picks = [];
    this.renderPicks();
    const i = data.info || {};
    clear(this.info, [
      `${data.x.length} test images`,
      i.code_dims ? `codes of ${i.code_dims} numbers` : null,
      i.trustworthiness != null ? `trustworthiness ${fmt(i.trustworthiness, 3)}` : null,
      i.knn_accuracy != null ? `${i.k || ''}-NN accuracy ${(100 * i.knn_accuracy).toFixed(1)} %` : null,
      Array.isArray(i.explained_variance_ratio) && i.explained_variance_ratio.length ? `explained variance ${i.explained_variance_ratio.map((v) => (100 * v).toFixed(1) + ' %').join(' + ')}` : null,
    ].filter(Boolean).join(' · '));
    this.draw();
  }

  labelName(label) {
    const names = this.data.classes || [];
    return names[label] !== undefined ? names[label] : `class ${label}`;
  }

  draw() {
    const d = this.data;
    const byLabel = new Map();
    d.label.forEach((label, index) => {
      if (!byLabel.has(label)) byLabel.set(label, []);
      byLabel.get(label).push(index);
    });
    const type = scatterType(d.x.length);
    const traces = [...byLabel.keys()].sort((a, b) => a - b).map((label) => {
      const idx = byLabel.get(label);
      return { type, mode: 'markers', name: this.labelName(label), x: idx.map((i) => d.x[i]), y: idx.map((i) => d.y[i]),
        customdata: idx, marker: { size: 5, color: colorOf(label), opacity: 0.75 },
        hovertemplate: `#%{customdata} · ${this.labelName(label)}<extra></extra>` };
    });
    traces.push({ type: 'scatter', mode: 'markers+text', name: 'picked', showlegend: false, hoverinfo: 'skip',
      x: this.picks.map((i) => d.x[i]), y: this.picks.map((i) => d.y[i]), text: this.picks.map((_, k) => 'AB'[k]),
      textposition: 'top center', textfont: { size: 14, color: '#000' },
      marker: { size: 14, color: 'rgba(0,0,0,0)', line: { color: '#000', width: 2 } } });
    const name = this.state.method === 'tsne' ? 't-SNE' : this.state.method.toUpperCase();
    const pca = this.state.method === 'pca';
    draw(this.map, traces, baseLayout({ title: title(`${name} of the test codes`), height: 520,
      xaxis: { zeroline: false, title: { text: pca ? 'PC1' : '' } },
      yaxis: { zeroline: false, title: { text: pca ? 'PC2' : '' } },
      legend: { orientation: 'v', x: 1.02, y: 1 }, margin: { l: 50, r: 10, t: 36, b: 40 },
      uirevision: this.state.run + this.state.method }));
    this.map.removeAllListeners('plotly_hover');
    this.map.removeAllListeners('plotly_click');
    this.map.on('plotly_hover', (e) => {
      const p = e.points && e.points[0];
      if (!p || p.customdata === undefined || !this.decoding) return;
      const index = p.customdata;
      this.hover.show(latentImageUrl(this.state.run, index), { index, label: this.labelName(d.label[index]) });
    });
    this.map.on('plotly_click', (e) => {
      const p = e.points && e.points[0];
      if (!p || p.customdata === undefined) return;
      this.picks = this.picks.length >= 2 ? [p.customdata] : [...this.picks, p.customdata];
      this.renderPicks();
      this.draw();
    });
  }

  renderPicks() {
    const [a, b] = this.picks;
    if (a === undefined) {
      clear(this.picksBox, 'Click a point, then another.');
      this.interpImg.removeAttribute('src');
      return;
    }
    const name = (i) => `#${i} (${this.labelName(this.data.label[i])})`;
    if (b === undefined) {
      clear(this.picksBox, `A = ${name(a)}; now click B.`);
      return;
    }
    clear(this.picksBox, `A = ${name(a)} → B = ${name(b)}: the two images framed at the ends, ${kInterpolationSteps} decoded codes between them.`);
    if (this.decoding) this.interpImg.src = interpolationUrl(this.state.run, a, b, kInterpolationSteps);
    else if (isStatic) this.picksBox.append(el('span', { class: 'muted' }, ' The strip needs aelab serve (the run\'s model decodes it).'));
  }

  dispose() {
    purge(this.map);
  }
}

export function mountLatent(root, params) {
  const state = { a: { run: params.a || '', method: params.ma || '' }, b: { run: params.b || '', method: params.mb || '' } };
  const panes = [];
  let disposed = false;
  const saveHash = () => replaceHashParams('latent', { a: state.a.run, ma: state.a.method, b: state.b.run, mb: state.b.method });
  const body = el('div', { class: 'latent-panes' });
  clear(root, el('h1', {}, 'Latent explorer'), body);

  (async () => {
    let runs;
    let decoding = false;
    try {
      const [list, info] = await Promise.all([getJson('/api/runs', { sort: 'name', limit: 5000 }), serverInfo()]);
      runs = list.runs;
      decoding = info.decoding;
    } catch (e) {
      clear(body, errorBox(e));
      return;
    }
    if (disposed) return;
    const addPane = (side) => {
      const box = el('div', { class: 'latent-pane', dataset: { side } });
      body.append(box);
      panes.push(new LatentPane(box, side, state[side], runs, decoding, saveHash));
    };
    addPane('a');
    if (state.b.run) addPane('b');
    else {
      const button = el('button', { class: 'latent-add', onclick: () => { button.remove(); addPane('b'); } }, 'add a second map side by side');
      root.insertBefore(el('div', { class: 'toolbar' }, button), body);
    }
  })();

  return () => {
    disposed = true;
    for (const p of panes) p.dispose();
  };
}

// Plotly with the dashboard's defaults: one look for every plot, the same colour for a run on
// every plot of a page, WebGL only where SVG would be too slow.
import Plotly from 'plotly.js-dist-min';

export { Plotly };

// Colour of the i-th selected run (Plotly's default cycle, so legends match Plotly's own).
export const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf'];
export const colorOf = (i) => palette[i % palette.length];

// Beyond this many markers a scatter plot draws through WebGL (scattergl): an SVG node per
// marker gets slow to hover. Not sooner: without a GPU (SwiftShader, in CI and on many remote
// desktops) every further WebGL plot on a page slows all of them, 7,000 markers in each of six
// slices took 5 s through WebGL and 1.6 s as SVG.
export const kWebGlPoints = 20000;
export const scatterType = (points) => (points > kWebGlPoints ? 'scattergl' : 'scatter');

const config = { displaylogo: false, responsive: true,
  modeBarButtonsToRemove: ['lasso2d', 'select2d', 'autoScale2d'] };

// A plot's title, left-aligned: the mode bar (zoom, save) sits on the right.
export function title(text) {
  return { text, x: 0.01, xanchor: 'left', font: { size: 14 } };
}

// Whole-number ticks on an axis of epochs, steps or trial numbers that holds few of them.
export function countAxis(extra = {}, largest = Infinity) {
  return { ...(largest <= 12 ? { dtick: 1 } : {}), zeroline: false, ...extra };
}

export function baseLayout(extra = {}) {
  return {
    margin: { l: 60, r: 20, t: 36, b: 44 },
    font: { family: 'system-ui, sans-serif', size: 12 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
    hovermode: 'closest',
    legend: { orientation: 'h', x: 0, y: -0.14, yanchor: 'top' },
    // Keeps zoom and hidden traces when live data redraws the plot.
    uirevision: 'keep',
    ...extra,
  };
}

// Draws (or redraws in place, keeping the user's zoom) a plot into `div`.
export function draw(div, traces, layout) {
  if (div.dataset.message) {
    div.replaceChildren();
    delete div.dataset.message;
  }
  return Plotly.react(div, traces, layout, config);
}

export function purge(div) {
  if (div && div.data) Plotly.purge(div);
}

// A line of text where a plot would be (nothing to plot yet).
export function showMessage(div, text) {
  purge(div);
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = text;
  div.replaceChildren(p);
  div.dataset.message = '1';
}

// Plotly with the dashboard's defaults: one look for every plot, the same colour for a run on
// every plot of a page, WebGL only where SVG would be too slow.
import Plotly from 'plotly.js-dist-min';

export { Plotly };

// Colour of the i-th selected run (Plotly's default cycle, so legends match Plotly's own).
export const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf'];
export const colorOf = (i) => palette[i % palette.length];

// Beyond this many points a scatter plot draws through WebGL (scattergl): an SVG node per
// marker makes a 10,000-trial study crawl.
export const kWebGlPoints = 3000;
export const scatterType = (points) => (points > kWebGlPoints ? 'scattergl' : 'scatter');

const config = { displaylogo: false, responsive: true,
  modeBarButtonsToRemove: ['lasso2d', 'select2d', 'autoScale2d'] };

export function baseLayout(extra = {}) {
  return {
    margin: { l: 60, r: 20, t: 36, b: 44 },
    font: { family: 'system-ui, sans-serif', size: 12 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
    hovermode: 'closest',
    legend: { orientation: 'h', y: -0.2 },
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

// The vendored browser libraries (ui/vendor/, see its README), loaded only by the pages that
// use them: the first caller inserts a <script src> (or a style sheet <link>) into the head and
// every caller gets the same promise, so a file is fetched and run once per page load. The
// policy's `script-src 'self'` and `style-src 'self'` admit these elements; nothing is inline.

import { h } from './h.js';

const UPLOT_JS = '/ui/vendor/uplot-1.6.32/uPlot.iife.min.js';
const UPLOT_CSS = '/ui/vendor/uplot-1.6.32/uPlot.min.css';
const GRAPHOLOGY = '/ui/vendor/graphology-0.26.0/graphology.umd.min.js';
const SIGMA = '/ui/vendor/sigma-3.0.3/sigma.min.js';

const loading = new Map();

function load(url, make) {
  if (!loading.has(url)) {
    const promise = new Promise((resolve, reject) => {
      const el = make({
        load: () => resolve(),
        error: () => {
          // A failed load may be retried by a later caller.
          loading.delete(url);
          el.remove();
          reject(new Error(`${url} could not be loaded`));
        },
      });
      document.head.appendChild(el);
    });
    loading.set(url, promise);
  }
  return loading.get(url);
}

// Runs a classic script once.
export function script(src) {
  return load(src, (on) => h('script', { src, on }));
}

// Applies a style sheet once.
export function style(href) {
  return load(href, (on) => h('link', { rel: 'stylesheet', href, on }));
}

// uPlot (global `uPlot`) and its style sheet.
export async function uPlot() {
  await Promise.all([style(UPLOT_CSS), script(UPLOT_JS)]);
  if (typeof window.uPlot !== 'function') throw new Error('the chart library did not load');
  return window.uPlot;
}

// graphology (global `graphology`), then sigma (global `Sigma`).
export async function graphLibraries() {
  await script(GRAPHOLOGY);
  await script(SIGMA);
}

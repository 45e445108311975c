// Charts of figures per period (day, week or month), drawn by uPlot (vendored, loaded by the
// first chart) on a canvas. Every chart is a <figure>: the drawing area (role="img", its
// aria-label the chart's summary), a caption with the same summary, and the figures in a table
// inside a <details>, so the numbers never depend on seeing the canvas. The drawing follows the
// width of its box (a ResizeObserver), so it reflows at any zoom.
//
// Values reach uPlot as numbers and series names as our own fixed strings; uPlot writes its
// legend with textContent and styles its elements through the CSSOM, which the policy allows.

import { h } from './h.js';
import { number } from './format.js';
import { uPlot as loadUPlot } from './vendor.js';

const COLOUR = '#0b3d91';
const FILL = 'rgba(11, 61, 145, 0.18)';
const TEXT = '#4a4f57';
const GRID = '#d0d5dd';
const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';

const DAY = 86400;
const SPAN = { day: DAY, week: 7 * DAY, month: 30 * DAY };
const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });
const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

// Tick labels of the time axis: "3 Mar" between ticks less than a month apart, else "Mar 2026".
function timeTicks(u, ticks, axis, space, incr) {
  const f = incr >= 28 * DAY ? monthYear : dayMonth;
  return ticks.map((t) => f.format(new Date(t * 1000)));
}

// "2026-03-02" -> Unix seconds (UTC midnight).
export function seconds(key) {
  const t = Date.parse(`${key}T00:00:00Z`);
  return Number.isNaN(t) ? null : t / 1000;
}

// "12 days from 2026-03-01 to 2026-03-12: 40 in all, highest 9 (2026-03-04)".
export function summarise(keys, values, { unit = '', format = number } = {}) {
  if (keys.length === 0) return 'no figures';
  let top = 0;
  let total = 0;
  values.forEach((v, i) => {
    total += v;
    if (v > values[top]) top = i;
  });
  const u = unit ? ` ${unit}` : '';
  return `from ${keys[0]} to ${keys[keys.length - 1]}: ${format(total)}${u} in all, highest ${format(values[top])}${u} (${keys[top]})`;
}

function draw(uPlot, box, spec, width) {
  const half = (SPAN[spec.period] || DAY) / 2;
  const xs = spec.keys.map(seconds);
  const bars = spec.style !== 'line';
  const height = Math.max(180, Math.min(280, Math.round(width * 0.45)));
  const opts = {
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false, setScale: false } },
    scales: {
      x: { time: true, range: (u, min, max) => [min - half, max + half] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      { stroke: TEXT, font: FONT, grid: { show: false }, ticks: { stroke: GRID }, values: timeTicks },
      {
        stroke: TEXT,
        font: FONT,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID },
        size: 56,
        values: (u, ticks) => ticks.map((v) => compact.format(v)),
      },
    ],
    series: [
      { label: spec.periodLabel, value: (u, v) => (v === null || v === undefined ? '—' : new Date(v * 1000).toISOString().slice(0, 10)) },
      {
        label: spec.seriesLabel,
        stroke: COLOUR,
        width: bars ? 0 : 2,
        fill: bars ? COLOUR : FILL,
        points: { show: !bars && spec.keys.length < 60 },
        paths: bars ? uPlot.paths.bars({ size: [0.8, 48], gap: 1 }) : undefined,
        value: (u, v) => (v === null || v === undefined ? '—' : (spec.format || number)(v)),
      },
    ],
  };
  return new uPlot(opts, [xs, spec.values], box);
}

// A chart of one series per period, drawn once its box is in the page and redrawn at its new
// width when the box is resized. spec: {title, period: day|week|month, periodLabel,
// seriesLabel, keys: ["YYYY-MM-DD"], values: [number], style: bars|line, unit, format}.
// Returns {node, show(spec)}: `show` replaces the drawing with another series.
export function periodChart(spec) {
  const box = h('div', { class: 'chart-area', role: 'img', 'data-testid': spec.testid || null });
  const caption = h('p', { class: 'hint' });
  let current = spec;
  let plot = null;
  let width = 0;
  let pending = null;

  const label = () => {
    const text = `${current.title}, ${summarise(current.keys, current.values, current)}`;
    box.setAttribute('aria-label', text);
    caption.textContent = text;
  };

  const redraw = async () => {
    if (current.keys.length === 0 && plot) {
      plot.destroy();
      plot = null;
    }
    if (width <= 0 || current.keys.length === 0) return;
    const uPlot = await (pending ||= loadUPlot());
    if (!box.isConnected) return;
    if (plot) plot.destroy();
    plot = draw(uPlot, box, current, width);
    box.dataset.drawn = String(current.keys.length);
  };

  const observer = new ResizeObserver((entries) => {
    if (!box.isConnected) {
      // The page was left: let the chart go.
      observer.disconnect();
      if (plot) plot.destroy();
      plot = null;
      return;
    }
    const w = Math.floor(entries[entries.length - 1].contentRect.width);
    if (w <= 0 || w === width) return;
    const first = width === 0;
    width = w;
    if (first || !plot) redraw().catch((e) => (caption.textContent = `${caption.textContent} (the chart could not be drawn: ${e.message})`));
    else plot.setSize({ width: w, height: Math.max(180, Math.min(280, Math.round(w * 0.45))) });
  });
  observer.observe(box);
  label();

  return {
    node: [box, caption],
    show(next) {
      current = next;
      label();
      return redraw();
    },
  };
}

// The figures of a chart as a table in a <details> (closed; opened by its summary, a button to
// keyboards and screen readers). columns: [heading, cell(row), {num: true}?].
export function figures(caption, columns, rows) {
  return h(
    'details',
    { class: 'figures' },
    h('summary', null, `Figures: ${caption.toLowerCase()}`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        null,
        h('caption', null, caption),
        h('thead', null, h('tr', null, columns.map(([name, , opt]) => h('th', { scope: 'col', class: opt && opt.num ? 'num' : null }, name)))),
        h('tbody', null, rows.map((row) => h('tr', null, columns.map(([, cell, opt]) => h('td', { class: opt && opt.num ? 'num' : null }, cell(row)))))),
      ),
    ),
  );
}

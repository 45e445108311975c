// A bar chart in SVG, built element by element. Each bar has a <title> (its tooltip and
// accessible name) and the chart has a text alternative; the figures are also in a table.

import { s, h } from './h.js';

// points: [{label, value}]
export function barChart(title, points, { width = 720, height = 220 } = {}) {
  const pad = { top: 12, right: 8, bottom: 28, left: 40 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => p.value));
  const step = points.length ? innerW / points.length : innerW;
  const barW = Math.max(1, step * 0.8);
  const bars = points.map((p, i) => {
    const bh = (p.value / max) * innerH;
    return s(
      'rect',
      {
        class: 'bar',
        x: (pad.left + i * step + (step - barW) / 2).toFixed(2),
        y: (pad.top + innerH - bh).toFixed(2),
        width: barW.toFixed(2),
        height: bh.toFixed(2),
      },
      s('title', null, `${p.label}: ${p.value}`),
    );
  });
  const every = Math.max(1, Math.ceil(points.length / 8));
  const ticks = points
    .map((p, i) => [p, i])
    .filter(([, i]) => i % every === 0)
    .map(([p, i]) => s('text', { x: (pad.left + i * step + step / 2).toFixed(2), y: height - 8, 'text-anchor': 'middle' }, p.label));
  const summary = points.length
    ? `${points.length} bars from ${points[0].label} to ${points[points.length - 1].label}, highest ${max}`
    : 'no data';
  return h(
    'figure',
    null,
    s(
      'svg',
      { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title}: ${summary}` },
      s('line', { class: 'axis', x1: pad.left, y1: pad.top + innerH, x2: width - pad.right, y2: pad.top + innerH }),
      s('text', { x: pad.left - 4, y: pad.top + 8, 'text-anchor': 'end' }, String(max)),
      s('text', { x: pad.left - 4, y: pad.top + innerH, 'text-anchor': 'end' }, '0'),
      bars,
      ticks,
    ),
    h('figcaption', { class: 'hint' }, `${title}: ${summary}`),
  );
}

// The graph explorer: #/graph (choose a network, a node or several selectors),
// #/graph/network/<id>, #/graph/connect/<selector>/<selector>/..., #/graph/<node>. Rendered by
// sigma (WebGL) over a graphology graph, both vendored under /ui/vendor and loaded as classic
// scripts by vendor.js on the first visit. Labels go to sigma as data (drawn on the canvas as
// text); the side panel and the node list are built with h() only. ForceAtlas2 runs in a worker
// (fa2-worker.js).
//
// Every action on the drawing has a keyboard equivalent beside it: a click on a node expands it
// (the node's button in the list), a ctrl-, cmd- or shift-click selects it for the connecting
// network (the node's checkbox in the list). The timeline hides the reports outside a window of
// days and the selectors left without a shown report.

import { h, mount } from './h.js';
import { api, enc, session } from './api.js';
import { number } from './format.js';
import { graphLibraries } from './vendor.js';

export function title(first, second) {
  if (first === 'network') return `Graph: network ${second || ''}`;
  if (first === 'connect') return 'Graph: connecting network';
  return first ? `Graph: ${first}` : 'Graph explorer';
}

const COLOURS = {
  report: '#4b5563',
  phone: '#2563eb',
  domain: '#059669',
  url: '#0d9488',
  email: '#7c3aed',
  ipv4: '#d97706',
  ipv6: '#b45309',
  iban: '#db2777',
  btc: '#ea580c',
  eth: '#6366f1',
  ltc: '#64748b',
  trx: '#dc2626',
  telegram: '#0284c7',
  md5: '#65a30d',
  sha1: '#4d7c0f',
  sha256: '#3f6212',
  pdq: '#a21caf',
  'remote-access': '#9f1239',
  other: '#6b7280',
};
const PATH_COLOUR = '#e11d48';
const END_COLOUR = '#7f1d1d';
const HUB_COLOUR = '#111827';
const DAY = 86400000;
// Neighbours fetched per expansion, and node-list rows added per "show more".
const EXPAND_PAGE = 50;
const LIST_PAGE = 300;
// Timeline playback: one step every PLAY_MS, the window moving by a 24th of the span.
const PLAY_MS = 800;

function kindOf(n) {
  if (n.type === 'report') return 'report';
  return n.kind && COLOURS[n.kind] ? n.kind : 'other';
}

// "2026-01-14" for a day number (days since 1970-01-01, UTC).
function dayText(day) {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

// An undirected edge's key in highlight sets.
function pairKey(a, b) {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

// The explorer's state; one at a time (the previous one is released when a new page renders).
let current = null;

function release() {
  if (current) {
    if (current.worker) current.worker.terminate();
    if (current.renderer) current.renderer.kill();
    clearInterval(current.playing);
    clearTimeout(current.listTimer);
    current = null;
  }
  window.dragnetGraph = undefined;
}

function libraries() {
  if (!window.graphology || !window.Sigma) throw new Error('the graph libraries did not load');
  return { Graph: window.graphology.Graph, Sigma: window.Sigma };
}

// Adds nodes and edges of an API answer (GraphNodeView / GraphEdgeView) near `around`.
function addAll(graph, nodes, edges, around) {
  const cx = around ? around.x : 0;
  const cy = around ? around.y : 0;
  const spread = around ? 1 : 10;
  for (const n of nodes) {
    const attrs = {
      label: n.hub ? `${n.label} +${n.degree}` : n.label,
      name: n.label,
      kind: kindOf(n),
      degree: n.degree,
      hub: !!n.hub,
      color: COLOURS[kindOf(n)],
      size: Math.min(14, 3 + Math.sqrt(n.degree || 1) * 1.5),
    };
    // A report's own time (observed, else created): what the timeline filters on.
    if (n.type === 'report' && n.time) {
      const t = Date.parse(n.time);
      if (!Number.isNaN(t)) attrs.time = t;
      attrs.organization = n.organization;
      attrs.tlp = n.tlp;
    }
    if (graph.hasNode(n.id)) graph.mergeNodeAttributes(n.id, attrs);
    else graph.addNode(n.id, { ...attrs, x: cx + (Math.random() - 0.5) * spread, y: cy + (Math.random() - 0.5) * spread });
  }
  for (const e of edges) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    if (e.source === e.target || graph.hasEdge(e.source, e.target)) continue;
    // `from` and `to` keep the direction of derived edges (a URL to its domain).
    graph.addEdge(e.source, e.target, { label: e.role || e.kind, rel: e.kind, from: e.source, to: e.target, size: 1, color: '#cbd5e1' });
  }
}

// "12 nodes, 30 links", or what the timeline leaves shown of them.
function counts(state) {
  const g = state.graph;
  if (!state.hidden.size) return `${number(g.order)} nodes, ${number(g.size)} links`;
  return `${number(g.order - state.hidden.size)} of ${number(g.order)} nodes and ${number(state.shownLinks)} of ${number(g.size)} links shown`;
}

// Runs ForceAtlas2 in the worker and moves the nodes when it answers.
function layout(state, iterations) {
  const g = state.graph;
  const order = g.order;
  if (!order) return Promise.resolve();
  const index = new Map();
  const nodes = new Float32Array(order * 10);
  let j = 0;
  g.forEachNode((id, a) => {
    index.set(id, j);
    nodes.set([a.x, a.y, 0, 0, 0, 0, 1, 1, a.size || 1, 0], j);
    j += 10;
  });
  const edges = new Float32Array(g.size * 3);
  j = 0;
  g.forEachEdge((_e, _a, s, t) => {
    const si = index.get(s);
    const ti = index.get(t);
    nodes[si + 6] += 1;
    nodes[ti + 6] += 1;
    edges.set([si, ti, 1], j);
    j += 3;
  });
  const settings = {
    linLogMode: false,
    outboundAttractionDistribution: false,
    adjustSizes: false,
    edgeWeightInfluence: 1,
    scalingRatio: 10,
    strongGravityMode: false,
    gravity: 1,
    slowDown: 1 + Math.log(order),
    barnesHutOptimize: order > 500,
    barnesHutTheta: 0.5,
  };
  if (!state.worker) state.worker = new Worker('/ui/js/fa2-worker.js');
  // Only the newest run's answer is applied (the graph may have grown since an older one).
  const run = (state.runs = (state.runs || 0) + 1);
  return new Promise((resolve) => {
    state.worker.onmessage = (event) => {
      if (event.data.run !== run) return;
      const out = event.data.nodes;
      g.updateEachNodeAttributes((id, a) => {
        const i = index.get(id);
        if (i === undefined) return a;
        return { ...a, x: out[i], y: out[i + 1] };
      });
      state.status.textContent = `${counts(state)}; layout done`;
      resolve();
    };
    state.worker.postMessage({ run, nodes, edges, iterations, settings }, [nodes.buffer, edges.buffer]);
  });
}

function nodeReducer(state) {
  return (id, data) => {
    if (state.hidden.has(id)) return { ...data, hidden: true };
    const out = { ...data };
    if (data.hub) out.color = HUB_COLOUR;
    const focus = state.focus;
    if (focus) {
      if (focus.nodes.has(id)) {
        out.color = focus.ends.has(id) ? END_COLOUR : PATH_COLOUR;
        out.highlighted = true;
        out.forceLabel = true;
      } else {
        out.color = '#e5e7eb';
        out.label = '';
      }
    }
    if (state.selection.has(id)) {
      out.size = (data.size || 3) * 1.6;
      out.highlighted = true;
      out.forceLabel = true;
      out.label = data.label;
    }
    if (state.selected === id) out.highlighted = true;
    return out;
  };
}

function edgeReducer(state) {
  return (id, data) => {
    const focus = state.focus;
    if (!focus) return data;
    const [s, t] = state.graph.extremities(id);
    if (focus.edges.has(pairKey(s, t))) return { ...data, color: PATH_COLOUR, size: 3 };
    return { ...data, color: '#f1f5f9' };
  };
}

function legend() {
  return h(
    'ul',
    { class: 'graph-legend', 'aria-label': 'Colours by kind' },
    Object.entries(COLOURS).map(([k, c]) => h('li', null, h('span', { class: `swatch swatch-${k}`, 'aria-hidden': 'true', 'data-colour': c }), k)),
    h('li', null, h('span', { class: 'swatch swatch-hub', 'aria-hidden': 'true' }), 'hub (+N: visible degree, not traversed)'),
    h('li', null, h('span', { class: 'swatch swatch-path', 'aria-hidden': 'true' }), 'path, connecting network'),
    h('li', null, h('span', { class: 'swatch swatch-end', 'aria-hidden': 'true' }), 'ends of the path, selectors connected'),
    h('li', null, h('span', { class: 'swatch swatch-selected', 'aria-hidden': 'true' }), 'selected (larger, labelled)'),
  );
}

// ---- timeline ----------------------------------------------------------------------------------

// Days of the first and last report drawn, or null when no report has a time.
function reportDays(graph) {
  let lo = Infinity;
  let hi = -Infinity;
  graph.forEachNode((_id, a) => {
    if (a.kind !== 'report' || a.time === undefined) return;
    if (a.time < lo) lo = a.time;
    if (a.time > hi) hi = a.time;
  });
  return lo === Infinity ? null : [Math.floor(lo / DAY), Math.floor(hi / DAY)];
}

function windowed(state) {
  const tl = state.tl;
  return !!tl && (tl.from > tl.first || tl.to < tl.last);
}

// The window as the API's since/until (whole UTC days, to the microsecond the API keeps).
function windowParams(state) {
  if (!windowed(state)) return null;
  return { since: `${dayText(state.tl.from)}T00:00:00Z`, until: `${dayText(state.tl.to)}T23:59:59.999999Z` };
}

// The nodes the timeline hides. A report is shown when its day is in the window. An observable
// is shown when a shown report holds it, or when it is derived from a shown observable (a URL's
// domain). An observable no drawn report holds follows the observables it is linked to: shown
// when one of them is, or when none of them is held by a drawn report either.
function hiddenByTimeline(state) {
  const g = state.graph;
  const hidden = new Set();
  if (!windowed(state)) return hidden;
  const { from, to } = state.tl;
  const shown = new Set();
  const dated = new Set();
  g.forEachNode((id, a) => {
    if (a.kind !== 'report') return;
    const day = a.time === undefined ? null : Math.floor(a.time / DAY);
    if (day === null || (day >= from && day <= to)) shown.add(id);
  });
  const queue = [];
  g.forEachNode((id, a) => {
    if (a.kind === 'report') return;
    let held = false;
    g.forEachNeighbor(id, (n, na) => {
      if (na.kind !== 'report') return;
      dated.add(id);
      if (shown.has(n)) held = true;
    });
    if (held) {
      shown.add(id);
      queue.push(id);
    }
  });
  // Derived values of shown observables; then undated observables linked to shown ones.
  const spread = (follow) => {
    while (queue.length) {
      const id = queue.pop();
      g.forEachEdge(id, (_e, ea, s, t, sa, ta) => {
        if (sa.kind === 'report' || ta.kind === 'report') return;
        const other = s === id ? t : s;
        if (shown.has(other) || !follow(id, other, ea)) return;
        shown.add(other);
        queue.push(other);
      });
    }
  };
  const derived = (id, other, ea) => ea.rel === 'derived' && ea.from === id && ea.to === other;
  spread(derived);
  for (const id of shown) if (g.getNodeAttribute(id, 'kind') !== 'report') queue.push(id);
  spread((id, other, ea) => derived(id, other, ea) || !dated.has(other));
  // Undated observables linked to no dated one stay shown.
  const seen = new Set();
  g.forEachNode((id, a) => {
    if (a.kind === 'report' || shown.has(id) || seen.has(id) || dated.has(id)) return;
    const part = [id];
    seen.add(id);
    let anchored = false;
    for (let i = 0; i < part.length; i++) {
      g.forEachNeighbor(part[i], (n, na) => {
        if (na.kind === 'report' || seen.has(n)) return;
        if (dated.has(n) || shown.has(n)) anchored = true;
        else {
          seen.add(n);
          part.push(n);
        }
      });
    }
    if (!anchored) for (const n of part) shown.add(n);
  });
  g.forEachNode((id) => {
    if (!shown.has(id)) hidden.add(id);
  });
  return hidden;
}

// Applies the timeline: hides nodes, redraws, updates the counts and (soon) the node list.
function applyTimeline(state) {
  state.hidden = hiddenByTimeline(state);
  let links = 0;
  let reports = 0;
  let shownReports = 0;
  state.graph.forEachEdge((_e, _a, s, t) => {
    if (!state.hidden.has(s) && !state.hidden.has(t)) links += 1;
  });
  state.graph.forEachNode((id, a) => {
    if (a.kind !== 'report') return;
    reports += 1;
    if (!state.hidden.has(id)) shownReports += 1;
  });
  state.shownLinks = links;
  const selectors = state.graph.order - reports;
  const shownSelectors = state.graph.order - state.hidden.size - shownReports;
  if (state.tl) {
    state.tlCount.textContent = `${number(shownReports)} of ${number(reports)} reports and ${number(shownSelectors)} of ${number(selectors)} selectors shown`;
  }
  state.status.textContent = counts(state);
  if (state.renderer) state.renderer.refresh();
  scheduleList(state);
}

// The sliders and their dates from state.tl.
function renderTimeline(state) {
  const tl = state.tl;
  state.timeline.hidden = !tl;
  if (!tl) return;
  const span = tl.last - tl.first;
  for (const [input, out, day] of [
    [state.tlFrom, state.tlFromText, tl.from],
    [state.tlTo, state.tlToText, tl.to],
  ]) {
    input.max = String(span);
    input.value = String(day - tl.first);
    input.setAttribute('aria-valuetext', dayText(day));
    out.textContent = dayText(day);
  }
  state.tlRange.textContent = `reports from ${dayText(tl.first)} to ${dayText(tl.last)}`;
}

// After the drawing changed: the timeline spans its reports. A window covering everything keeps
// covering everything; a narrower one keeps its days.
function syncTimeline(state) {
  const days = reportDays(state.graph);
  if (!days) {
    stopPlay(state);
    state.tl = null;
  } else {
    const old = state.tl;
    const full = !old || !windowed(state);
    const [first, last] = days;
    state.tl = full
      ? { first, last, from: first, to: last }
      : { first, last, from: Math.min(Math.max(old.from, first), last), to: Math.max(Math.min(old.to, last), first) };
    if (state.tl.from > state.tl.to) state.tl.from = state.tl.to;
  }
  renderTimeline(state);
  applyTimeline(state);
}

function moveWindow(state, which) {
  stopPlay(state);
  const tl = state.tl;
  if (!tl) return;
  const from = tl.first + Number(state.tlFrom.value);
  const to = tl.first + Number(state.tlTo.value);
  if (which === 'from') {
    tl.from = from;
    if (tl.to < from) tl.to = from;
  } else {
    tl.to = to;
    if (tl.from > to) tl.from = to;
  }
  renderTimeline(state);
  applyTimeline(state);
}

function stopPlay(state) {
  if (!state.playing) return;
  clearInterval(state.playing);
  state.playing = null;
  state.playButton.textContent = 'Play';
}

// Steps the window forward until its end reaches the last report. From the end (or from the
// whole span) it starts again at the first report with a sixth of the span.
function togglePlay(state) {
  if (state.playing) {
    stopPlay(state);
    return;
  }
  const tl = state.tl;
  if (!tl || tl.last === tl.first) return;
  const span = tl.last - tl.first;
  let width = tl.to - tl.from;
  if (tl.to >= tl.last) {
    if (width >= span) width = Math.max(1, Math.round(span / 6));
    tl.from = tl.first;
    tl.to = tl.first + width;
  }
  const step = Math.max(1, Math.round(span / 24));
  state.playButton.textContent = 'Pause';
  renderTimeline(state);
  applyTimeline(state);
  state.playing = setInterval(() => {
    if (current !== state || tl.to >= tl.last) {
      stopPlay(state);
      return;
    }
    tl.to = Math.min(tl.last, tl.to + step);
    tl.from = Math.max(tl.first, tl.to - width);
    renderTimeline(state);
    applyTimeline(state);
  }, PLAY_MS);
}

function showAll(state) {
  stopPlay(state);
  if (!state.tl) return;
  state.tl.from = state.tl.first;
  state.tl.to = state.tl.last;
  renderTimeline(state);
  applyTimeline(state);
}

function timelineControls(state) {
  state.tlFrom = h('input', { type: 'range', id: 'tl-from', name: 'from', min: '0', max: '0', step: '1', on: { input: () => moveWindow(state, 'from') } });
  state.tlTo = h('input', { type: 'range', id: 'tl-to', name: 'to', min: '0', max: '0', step: '1', on: { input: () => moveWindow(state, 'to') } });
  state.tlFromText = h('output', { for: 'tl-from', 'data-testid': 'graph-timeline-from' });
  state.tlToText = h('output', { for: 'tl-to', 'data-testid': 'graph-timeline-to' });
  state.tlCount = h('p', { role: 'status', 'data-testid': 'graph-timeline-count' });
  state.tlRange = h('span', { class: 'muted' });
  state.playButton = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'graph-timeline-play', on: { click: () => togglePlay(state) } }, 'Play');
  state.timeline = h(
    'fieldset',
    { class: 'graph-timeline', hidden: true },
    h('legend', null, 'Timeline ', state.tlRange),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'tl-from' }, 'Window start'), state.tlFrom, state.tlFromText),
      h('div', { class: 'field' }, h('label', { for: 'tl-to' }, 'Window end'), state.tlTo, state.tlToText),
      state.playButton,
      h('button', { type: 'button', class: 'button button-quiet', on: { click: () => showAll(state) } }, 'Show all'),
    ),
    state.tlCount,
  );
  return state.timeline;
}

// ---- node list, selection ----------------------------------------------------------------------

function nameOf(state, id) {
  return state.graph.hasNode(id) ? state.graph.getNodeAttribute(id, 'name') : id;
}

function scheduleList(state) {
  if (state.listTimer) return;
  state.listTimer = setTimeout(() => {
    state.listTimer = null;
    if (current === state) refreshList(state);
  }, 100);
}

// The list view: a checkbox (select) and a button (expand) a node, most connected first,
// LIST_PAGE at a time; nodes the timeline hides are left out.
function refreshList(state) {
  clearTimeout(state.listTimer);
  state.listTimer = null;
  const g = state.graph;
  const filter = state.filter.value.trim().toLowerCase();
  const ids = g
    .nodes()
    .filter((id) => !state.hidden.has(id) && (!filter || String(g.getNodeAttribute(id, 'name')).toLowerCase().includes(filter)))
    .sort((a, b) => g.getNodeAttribute(b, 'degree') - g.getNodeAttribute(a, 'degree') || (a < b ? -1 : a > b ? 1 : 0));
  const listed = ids.slice(0, state.listLimit);
  mount(
    state.list,
    listed.map((id, i) => {
      const a = g.getNodeAttributes(id);
      const check = `graph-check-${i}`;
      return h(
        'li',
        { class: 'graph-row' },
        h('input', {
          type: 'checkbox',
          id: check,
          class: 'graph-check',
          'data-node': id,
          checked: state.selection.has(id),
          on: { change: (e) => select(state, id, e.target.checked) },
        }),
        h('label', { for: check, class: 'graph-sr-only' }, `Select ${a.name} for the connecting network`),
        h(
          'button',
          { type: 'button', class: 'button button-quiet graph-node', 'data-node': id, on: { click: () => expand(state, id) } },
          h('span', { class: `swatch swatch-${a.kind}`, 'aria-hidden': 'true' }),
          a.name,
          a.hub ? h('span', { class: 'badge hub-badge' }, `+${a.degree}`) : null,
        ),
      );
    }),
  );
  const left = ids.length - listed.length;
  state.listCount.textContent = `${number(listed.length)} of ${number(ids.length)} nodes listed, most connected first`;
  state.more.hidden = left <= 0;
  state.more.textContent = `Show ${number(Math.min(LIST_PAGE, left))} more (${number(left)} not listed)`;
  const selectable = g.filterNodes((id, a) => a.kind !== 'report' && !state.hidden.has(id)).sort();
  const fresh = !state.to.value;
  for (const sel of [state.from, state.to]) {
    const keep = sel.value;
    mount(sel, selectable.map((id) => h('option', { value: id, selected: id === keep }, g.getNodeAttribute(id, 'name'))));
  }
  if (fresh && selectable.length > 1) state.to.value = selectable[selectable.length - 1];
}

// Adds a node to (or removes it from) the selection of the connecting network.
function select(state, id, on) {
  if (on) state.selection.add(id);
  else state.selection.delete(id);
  for (const box of state.list.querySelectorAll('input.graph-check')) {
    if (box.dataset.node === id) box.checked = on;
  }
  renderSelection(state);
  if (state.selected === id) showDetail(state, id, true);
  if (state.renderer) state.renderer.refresh();
}

function renderSelection(state) {
  const ids = [...state.selection];
  state.selectionHeading.textContent = `Selection (${number(ids.length)})`;
  mount(
    state.selectionList,
    ids.length
      ? ids.map((id) =>
          h(
            'li',
            null,
            h('span', { class: `swatch swatch-${state.graph.hasNode(id) ? state.graph.getNodeAttribute(id, 'kind') : 'other'}`, 'aria-hidden': 'true' }),
            h('span', { class: 'graph-selection-name' }, nameOf(state, id)),
            h('button', { type: 'button', class: 'button button-quiet', 'aria-label': `Remove ${nameOf(state, id)} from the selection`, on: { click: () => select(state, id, false) } }, 'Remove'),
          ),
        )
      : h('li', { class: 'muted' }, 'nothing selected: tick nodes in the list, ctrl- or shift-click them on the drawing, or type selectors below'),
  );
}

// ---- expand, path, connecting network ----------------------------------------------------------

// The side panel for a node: what its expansion found, and its actions.
function showDetail(state, id, keepFocus) {
  const g = state.graph;
  if (!g.hasNode(id)) return;
  const focused = keepFocus && document.activeElement && state.detail.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  const a = g.getNodeAttributes(id);
  const e = state.expansions.get(id);
  const selected = state.selection.has(id);
  const left = e ? e.total - e.next : 0;
  mount(
    state.detail,
    h('h2', null, 'Node'),
    h('p', null, h('code', { 'data-testid': 'graph-selected' }, a.name)),
    a.kind === 'report' ? h('p', { class: 'muted' }, [a.organization, a.tlp ? `TLP:${a.tlp}` : null, a.time !== undefined ? new Date(a.time).toISOString().slice(0, 10) : null].filter(Boolean).join(' · ')) : null,
    e ? h('p', { 'data-testid': 'graph-neighbours' }, `${number(e.total)} neighbours you can see; ${number(g.degree(id))} drawn`) : null,
    a.hub ? h('p', { class: 'notice' }, 'a hub: shown with its degree, not traversed by paths or networks') : null,
    h(
      'div',
      { class: 'row' },
      e && left > 0
        ? h('button', { type: 'button', class: 'button', 'data-testid': 'graph-expand-more', on: { click: () => expand(state, id, true) } }, `Expand more (next ${number(Math.min(EXPAND_PAGE, left))} of ${number(left)})`)
        : null,
      h(
        'button',
        { type: 'button', class: 'button button-quiet', 'data-testid': 'graph-select-toggle', 'aria-pressed': selected ? 'true' : 'false', on: { click: () => select(state, id, !state.selection.has(id)) } },
        'Select for the connecting network',
      ),
    ),
    a.kind === 'report' ? h('p', null, h('a', { href: `#/report/${enc(id.replace(/^report:/, ''))}` }, 'Open the report')) : h('p', null, h('a', { href: `#/search/${enc(a.name)}` }, 'Search this selector')),
  );
  if (focused) {
    const again = state.detail.querySelector(`[data-testid="${focused}"]`) || state.detail.querySelector('button');
    if (again) again.focus();
  }
}

// A click on a node: its first page of neighbours (once; afterwards its details). "Expand more"
// fetches the next page.
async function expand(state, id, more = false) {
  state.selected = id;
  const known = state.expansions.get(id);
  if (known && !more) {
    showDetail(state, id);
    if (state.renderer) state.renderer.refresh();
    return;
  }
  const offset = more && known ? known.next : 0;
  const g = state.graph;
  const around = g.hasNode(id) ? g.getNodeAttributes(id) : null;
  try {
    const x = await api(`/graph/expand?node=${enc(id)}&limit=${EXPAND_PAGE}&offset=${offset}`);
    if (current !== state) return;
    addAll(g, [x.node, ...x.neighbours], x.edges, around);
    state.expansions.set(x.node.id, { total: x.total, next: offset + x.neighbours.length });
    state.selected = x.node.id;
    refreshList(state);
    syncTimeline(state);
    showDetail(state, x.node.id, more);
    state.status.textContent = `expanded ${x.node.label}: ${counts(state)}`;
    state.renderer.refresh();
    await layout(state, 50);
  } catch (e) {
    state.app.error(e.message || String(e));
  }
}

async function findPath(state) {
  const from = state.from.value;
  const to = state.to.value;
  if (!from || !to) return;
  try {
    const w = windowParams(state);
    const p = await api(`/graph/path?from=${enc(from)}&to=${enc(to)}${w ? `&since=${enc(w.since)}&until=${enc(w.until)}` : ''}`);
    if (current !== state) return;
    if (!p.found) {
      if (state.focus && state.focus.kind === 'path') state.focus = null;
      mount(state.pathOut, h('p', { role: 'status' }, 'no path between these two within the limits'));
    } else {
      addAll(state.graph, p.nodes, p.edges, null);
      const edges = new Set();
      for (let i = 1; i < p.path.length; i++) edges.add(pairKey(p.path[i - 1], p.path[i]));
      state.focus = { kind: 'path', nodes: new Set(p.path), edges, ends: new Set([p.path[0], p.path[p.path.length - 1]]) };
      mount(
        state.pathOut,
        h('p', { role: 'status' }, `path of ${number(p.length)} links${w ? `, reports from ${dayText(state.tl.from)} to ${dayText(state.tl.to)}` : ''}`),
        h('ol', { 'data-testid': 'graph-path' }, p.path.map((id) => h('li', null, nameOf(state, id)))),
      );
      refreshList(state);
      syncTimeline(state);
      camera(state, 'reset');
    }
    state.renderer.refresh();
  } catch (e) {
    state.app.error(e.message || String(e));
  }
}

// The selectors of a connecting-network query: the selection, then the typed lines.
function connectSelectors(state) {
  const typed = state.typed.value
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return [...new Set([...state.selection, ...typed])];
}

async function connect(state) {
  const selectors = connectSelectors(state);
  if (selectors.length < 2) {
    mount(state.connectOut, h('p', { role: 'status', 'data-testid': 'graph-connect-status' }, 'choose at least two selectors: tick them in the node list, ctrl- or shift-click them on the drawing, or type them'));
    return;
  }
  const body = { selectors, ...(windowParams(state) || {}) };
  try {
    const c = await api('/graph/connect', { method: 'POST', body });
    if (current !== state) return;
    state.typed.value = '';
    showConnection(state, c, body);
    state.renderer.refresh();
    camera(state, 'reset');
    await layout(state, 100);
  } catch (e) {
    state.app.error(e.message || String(e));
  }
}

// Draws a connecting network (ConnectionView), highlights it and lists the selection and the
// result in the side panel.
function showConnection(state, c, body) {
  const g = state.graph;
  addAll(g, c.nodes, c.edges, null);
  state.focus = { kind: 'connect', nodes: new Set(c.nodes.map((n) => n.id)), edges: new Set(c.edges.map((e) => pairKey(e.source, e.target))), ends: new Set(c.selectors) };
  state.selection = new Set(c.selectors.filter((id) => g.hasNode(id)));
  const missing = new Set(c.missing);
  const connected = c.nodes.length > 0 && c.missing.length === 0 && c.unconnected.length === 0;
  const ends = new Set(c.selectors);
  const result = [...c.nodes].sort((a, b) => Number(ends.has(b.id)) - Number(ends.has(a.id)) || (a.type === b.type ? 0 : a.type === 'report' ? 1 : -1) || b.degree - a.degree);
  const w = body.since ? `, reports from ${body.since.slice(0, 10)} to ${body.until.slice(0, 10)}` : '';
  mount(
    state.connectOut,
    h(
      'p',
      { role: 'status', 'data-testid': 'graph-connect-status' },
      connected
        ? `connected: ${number(c.nodes.length)} nodes and ${number(c.edges.length)} links join the ${number(c.selectors.length)} selectors${w}`
        : `not all connected: ${number(c.missing.length)} held by no report you can see, ${number(c.unconnected.length)} pairs without a path within the limits${w}`,
    ),
    c.truncated ? h('p', { class: 'notice' }, 'the answer reached the node limit: some connections are left out') : null,
    h('h3', null, 'Selectors'),
    h(
      'ul',
      { class: 'graph-plain', 'data-testid': 'graph-connect-selectors' },
      c.selectors.map((id) => h('li', null, nameOf(state, id), missing.has(id) ? h('span', { class: 'muted' }, body.since ? ' (held by no report you can see in the window)' : ' (held by no report you can see)') : null)),
    ),
    c.unconnected.length
      ? [h('h3', null, 'Not connected within the limits'), h('ul', { class: 'graph-plain' }, c.unconnected.map(([a, b]) => h('li', null, `${nameOf(state, a)} — ${nameOf(state, b)}`)))]
      : null,
    h('h3', null, `Result (${number(c.nodes.length)} nodes)`),
    h(
      'ul',
      { class: 'graph-list', 'data-testid': 'graph-connect-result' },
      result.map((n) =>
        h(
          'li',
          null,
          h(
            'button',
            { type: 'button', class: 'button button-quiet graph-node', 'data-node': n.id, on: { click: () => expand(state, n.id) } },
            h('span', { class: `swatch swatch-${kindOf(n)}`, 'aria-hidden': 'true' }),
            nameOf(state, n.id),
          ),
        ),
      ),
    ),
  );
  renderSelection(state);
  refreshList(state);
  syncTimeline(state);
}

// Clears the path's or the connecting network's highlight and answer.
function clearHighlight(state, kind) {
  if (state.focus && state.focus.kind === kind) state.focus = null;
  mount(kind === 'path' ? state.pathOut : state.connectOut);
  if (state.renderer) state.renderer.refresh();
}

function camera(state, what) {
  if (!state.renderer) return;
  const c = state.renderer.getCamera();
  if (what === 'zoom') c.animatedZoom({ duration: 200 });
  else if (what === 'unzoom') c.animatedUnzoom({ duration: 200 });
  else c.animatedReset({ duration: 300 });
}

// ---- exports -------------------------------------------------------------------------------------

async function exportGraphml(state) {
  const { path, body } = state.source;
  const r = await fetch(`/api/v1${path}${path.includes('?') ? '&' : '?'}format=graphml`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${session.token()}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'omit',
  });
  if (!r.ok) {
    state.app.error(`graphml export failed: status ${r.status}`);
    return;
  }
  download(await r.blob(), 'dragnet-graph.graphml');
}

function download(blob, name) {
  // A blob: URL made here (h() accepts only routes and http links).
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A PNG of the canvases sigma draws, layered in order on a white background.
function exportPng(state) {
  state.renderer.refresh();
  const { width, height } = state.renderer.getDimensions();
  const ratio = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = width * ratio;
  out.height = height * ratio;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  for (const c of Object.values(state.renderer.getCanvases())) ctx.drawImage(c, 0, 0, out.width, out.height);
  out.toBlob((blob) => blob && download(blob, 'dragnet-graph.png'), 'image/png');
}

// ---- the page ------------------------------------------------------------------------------------

// Builds the explorer around a graph; sigma starts once the page is in the document. `source`
// ({path, body}) is the API query the page drew, for the GraphML export.
function explorer(app, heading, source, graph) {
  const state = {
    app,
    graph,
    source,
    started,
    focus: null,
    selected: null,
    selection: new Set(),
    expansions: new Map(),
    hidden: new Set(),
    shownLinks: graph.size,
    tl: null,
    playing: null,
    listTimer: null,
    listLimit: LIST_PAGE,
    renderer: null,
    worker: null,
  };
  current = state;
  const container = h('div', { class: 'graph-canvas', 'data-testid': 'graph-canvas', role: 'img', 'aria-label': 'Graph drawing; the node list beside it offers the same nodes as buttons and checkboxes' });
  state.status = h('p', { class: 'muted', role: 'status', 'data-testid': 'graph-status' }, counts(state));
  state.list = h('ul', { class: 'graph-list', 'aria-label': 'Nodes', 'data-testid': 'graph-list' });
  state.listCount = h('p', { class: 'muted', 'data-testid': 'graph-list-count' });
  state.more = h('button', { type: 'button', class: 'button button-quiet', hidden: true, on: { click: () => { state.listLimit += LIST_PAGE; refreshList(state); } } });
  state.filter = h('input', { id: 'graph-filter', name: 'filter', type: 'search', autocomplete: 'off', spellcheck: 'false', on: { input: () => { state.listLimit = LIST_PAGE; scheduleList(state); } } });
  state.detail = h('div', { class: 'graph-detail' });
  state.from = h('select', { id: 'path-from', name: 'from' });
  state.to = h('select', { id: 'path-to', name: 'to' });
  state.pathOut = h('div', { class: 'graph-path' });
  state.selectionHeading = h('h3', null);
  state.selectionList = h('ul', { class: 'graph-plain graph-selection', 'data-testid': 'graph-selection' });
  state.typed = h('textarea', { id: 'connect-more', name: 'selectors', rows: '3', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'connect-more-hint' });
  state.connectOut = h('div', { class: 'graph-connect', 'data-testid': 'graph-connect' });
  const pathForm = h(
    'form',
    { class: 'form graph-path-form', on: { submit: (e) => { e.preventDefault(); findPath(state); } } },
    h('div', { class: 'field' }, h('label', { for: 'path-from' }, 'Path from'), state.from),
    h('div', { class: 'field' }, h('label', { for: 'path-to' }, 'Path to'), state.to),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'button' }, 'Find path'), h('button', { type: 'button', class: 'button button-quiet', on: { click: () => clearHighlight(state, 'path') } }, 'Clear path')),
  );
  const connectForm = h(
    'form',
    { class: 'form', on: { submit: (e) => { e.preventDefault(); connect(state); } } },
    state.selectionHeading,
    state.selectionList,
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'connect-more' }, 'More selectors'),
      h('span', { class: 'hint', id: 'connect-more-hint' }, 'One a line, written any way (they are canonicalised); report:<id> names a report.'),
      state.typed,
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'button' }, 'Connect'),
      h('button', { type: 'button', class: 'button button-quiet', on: { click: () => { for (const id of [...state.selection]) select(state, id, false); } } }, 'Clear selection'),
      h('button', { type: 'button', class: 'button button-quiet', on: { click: () => clearHighlight(state, 'connect') } }, 'Clear result'),
    ),
  );
  const tools = h(
    'div',
    { class: 'row' },
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => layout(state, 100) } }, 'Run layout'),
    // The drawing's pan and zoom (mouse, touch) from the keyboard.
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => camera(state, 'zoom') } }, 'Zoom in'),
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => camera(state, 'unzoom') } }, 'Zoom out'),
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => camera(state, 'reset') } }, 'Whole graph'),
    source ? h('button', { type: 'button', class: 'button button-quiet', on: { click: () => exportGraphml(state) } }, 'Export GraphML') : null,
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => exportPng(state) } }, 'Export PNG'),
  );
  const timeline = timelineControls(state);
  renderSelection(state);
  refreshList(state);
  syncTimeline(state);
  setTimeout(() => start(state, container), 0);
  return {
    state,
    nodes: [
      heading,
      state.status,
      tools,
      timeline,
      h(
        'div',
        { class: 'graph-layout' },
        container,
        h(
          'aside',
          { class: 'graph-side' },
          state.detail,
          h('h2', null, 'Path'),
          pathForm,
          state.pathOut,
          h('h2', null, 'Connecting network'),
          connectForm,
          state.connectOut,
          h('h2', null, 'Nodes'),
          h('div', { class: 'field' }, h('label', { for: 'graph-filter' }, 'Filter the list'), state.filter),
          state.listCount,
          state.list,
          state.more,
        ),
      ),
      legend(),
    ],
  };
}

function start(state, container) {
  if (current !== state || !container.isConnected) return;
  const { Sigma } = libraries();
  state.renderer = new Sigma(state.graph, container, {
    nodeReducer: nodeReducer(state),
    edgeReducer: edgeReducer(state),
    labelRenderedSizeThreshold: state.graph.order <= 150 ? 0 : 8,
    hideEdgesOnMove: state.graph.size > 5000,
  });
  // Time to first render: from the page's start (data loaded or built) to sigma's first frame.
  const hook = { graph: state.graph, renderer: state.renderer, firstRender: null, selection: () => [...state.selection] };
  state.renderer.once('afterRender', () => {
    hook.firstRender = performance.now() - state.started;
  });
  state.renderer.refresh();
  state.renderer.on('clickNode', ({ node, event }) => {
    const e = event && event.original;
    if (e && (e.ctrlKey || e.metaKey || e.shiftKey)) select(state, node, !state.selection.has(node));
    else expand(state, node);
  });
  window.dragnetGraph = hook;
  layout(state, state.graph.order > 2000 ? 20 : 150);
}

// A synthetic graph for the browser performance test: n nodes, m links, seeded.
function synthetic(n, m) {
  const { Graph } = libraries();
  const g = new Graph({ type: 'undirected' });
  // mulberry32, seeded: the same graph every time.
  let seed = 1;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const kinds = Object.keys(COLOURS);
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length];
    g.addNode(`n${i}`, { label: `${kind} ${i}`, name: `${kind} ${i}`, kind, degree: 0, hub: false, color: COLOURS[kind], size: 3, x: rnd() * 100, y: rnd() * 100 });
  }
  while (g.size < m) {
    const a = `n${Math.floor(rnd() * n)}`;
    const b = `n${Math.floor(rnd() * n)}`;
    if (a !== b && !g.hasEdge(a, b)) g.addEdge(a, b, { size: 1, color: '#cbd5e1' });
  }
  g.updateEachNodeAttributes((id, a) => ({ ...a, degree: g.degree(id) }));
  return g;
}

function chooser(app) {
  const input = h('input', { id: 'graph-node', name: 'node', type: 'search', required: true, autocomplete: 'off', spellcheck: 'false' });
  const many = h('textarea', { id: 'graph-selectors', name: 'selectors', rows: '4', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'graph-selectors-hint' });
  return [
    h(
      'form',
      { class: 'form', on: { submit: (e) => { e.preventDefault(); if (input.value.trim()) app.go(`#/graph/${enc(input.value.trim())}`); } } },
      h('div', { class: 'field' }, h('label', { for: 'graph-node' }, 'Selector or node'), input),
      h('div', null, h('button', { type: 'submit', class: 'button' }, 'Open its neighbourhood')),
    ),
    h(
      'form',
      {
        class: 'form',
        on: {
          submit: (e) => {
            e.preventDefault();
            const lines = many.value.split('\n').map((l) => l.trim()).filter(Boolean);
            if (lines.length < 2) {
              app.error('the connecting network needs at least two selectors, one a line');
              return;
            }
            app.go(`#/graph/connect/${lines.map(enc).join('/')}`);
          },
        },
      },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'graph-selectors' }, 'Selectors to connect'),
        h('span', { class: 'hint', id: 'graph-selectors-hint' }, 'Two or more, one a line: every shortest path between any two of them is drawn.'),
        many,
      ),
      h('div', null, h('button', { type: 'submit', class: 'button' }, 'Find the connecting network')),
    ),
  ];
}

let started = 0;

export async function render(app, first, ...rest) {
  release();
  await graphLibraries();
  started = performance.now();
  const { Graph } = libraries();
  const second = rest[0];
  if (first === 'synthetic') {
    const n = Math.min(Number(second) || 5000, 20000);
    const g = synthetic(n, n * 4);
    return explorer(app, h('h1', null, 'Synthetic graph'), null, g).nodes;
  }
  if (first === 'network' && second) {
    const path = `/graph/networks/${enc(second)}`;
    const net = await api(path);
    const g = new Graph({ type: 'undirected' });
    addAll(g, net.nodes, net.edges, null);
    return explorer(app, h('h1', null, 'Network ', h('code', null, net.id)), { path }, g).nodes;
  }
  if (first === 'connect') {
    const body = { selectors: rest };
    const c = await api('/graph/connect', { method: 'POST', body });
    const g = new Graph({ type: 'undirected' });
    const page = explorer(app, h('h1', null, `Connecting network of ${number(rest.length)} selectors`), { path: '/graph/connect', body }, g);
    showConnection(page.state, c, body);
    return page.nodes;
  }
  if (first) {
    const path = `/graph/neighbourhood?node=${enc(first)}`;
    const sub = await api(path);
    const g = new Graph({ type: 'undirected' });
    addAll(g, sub.nodes, sub.edges, null);
    return explorer(app, h('h1', null, 'Neighbourhood of ', h('code', null, first)), { path }, g).nodes;
  }
  const list = await api('/graph/networks?limit=10');
  return [
    h('h1', null, 'Graph explorer'),
    chooser(app),
    h('h2', null, 'Largest networks'),
    h(
      'ul',
      { 'data-testid': 'graph-networks' },
      list.networks.map((n) => h('li', null, h('a', { href: `#/graph/network/${enc(n.id)}` }, `${number(n.reports)} reports, ${number(n.observables)} selectors`), ' ', h('span', { class: 'muted' }, n.organizations.join(', ')))),
    ),
  ];
}

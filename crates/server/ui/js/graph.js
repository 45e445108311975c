// The graph explorer: #/graph (choose a network or a node), #/graph/network/<id>,
// #/graph/<node>. Rendered by sigma (WebGL) over a graphology graph, both vendored under
// /ui/vendor and loaded as classic scripts by vendor.js on the first visit. Labels go to sigma as data (drawn on
// the canvas as text); the side panel and the node list are built with h() only. ForceAtlas2
// runs in a worker (fa2-worker.js). Clicking a node, or its button in the list, expands it.

import { h, mount } from './h.js';
import { api, enc, session } from './api.js';
import { number } from './format.js';
import { graphLibraries } from './vendor.js';

export function title(first, second) {
  if (first === 'network') return `Graph: network ${second || ''}`;
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
const HUB_COLOUR = '#111827';

function kindOf(n) {
  if (n.type === 'report') return 'report';
  return n.kind && COLOURS[n.kind] ? n.kind : 'other';
}

// The explorer's state; one at a time (the previous one is released when a new page renders).
let current = null;

function release() {
  if (current) {
    if (current.worker) current.worker.terminate();
    if (current.renderer) current.renderer.kill();
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
    if (graph.hasNode(n.id)) graph.mergeNodeAttributes(n.id, attrs);
    else graph.addNode(n.id, { ...attrs, x: cx + (Math.random() - 0.5) * spread, y: cy + (Math.random() - 0.5) * spread });
  }
  for (const e of edges) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    if (e.source === e.target || graph.hasEdge(e.source, e.target)) continue;
    graph.addEdge(e.source, e.target, { label: e.role || e.kind, size: 1, color: '#cbd5e1' });
  }
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
      state.status.textContent = `${number(g.order)} nodes, ${number(g.size)} links; layout done`;
      resolve();
    };
    state.worker.postMessage({ run, nodes, edges, iterations, settings }, [nodes.buffer, edges.buffer]);
  });
}

function nodeReducer(state) {
  return (id, data) => {
    const out = { ...data };
    if (data.hub) out.color = HUB_COLOUR;
    if (state.path.size) {
      if (state.path.has(id)) {
        out.color = PATH_COLOUR;
        out.highlighted = true;
        out.forceLabel = true;
      } else {
        out.color = '#e5e7eb';
        out.label = '';
      }
    }
    if (state.selected === id) out.highlighted = true;
    return out;
  };
}

function edgeReducer(state) {
  return (id, data) => {
    if (!state.path.size) return data;
    const [s, t] = state.graph.extremities(id);
    if (state.path.has(s) && state.path.has(t) && Math.abs(state.pathIndex.get(s) - state.pathIndex.get(t)) === 1) {
      return { ...data, color: PATH_COLOUR, size: 3 };
    }
    return { ...data, color: '#f1f5f9' };
  };
}

function legend() {
  return h(
    'ul',
    { class: 'graph-legend', 'aria-label': 'Colours by kind' },
    Object.entries(COLOURS).map(([k, c]) => h('li', null, h('span', { class: `swatch swatch-${k}`, 'aria-hidden': 'true', 'data-colour': c }), k)),
    h('li', null, h('span', { class: 'swatch swatch-hub', 'aria-hidden': 'true' }), 'hub (+N: visible degree, not traversed)'),
    h('li', null, h('span', { class: 'swatch swatch-path', 'aria-hidden': 'true' }), 'path'),
  );
}

// The list view: one button a node, most connected first (the first 300).
function refreshList(state) {
  const ids = state.graph.nodes().sort((a, b) => state.graph.getNodeAttribute(b, 'degree') - state.graph.getNodeAttribute(a, 'degree'));
  mount(
    state.list,
    ids.slice(0, 300).map((id) => {
      const a = state.graph.getNodeAttributes(id);
      return h(
        'li',
        null,
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
  const selectable = ids.filter((id) => state.graph.getNodeAttribute(id, 'kind') !== 'report').sort();
  const fresh = !state.to.value;
  for (const select of [state.from, state.to]) {
    const keep = select.value;
    mount(select, selectable.map((id) => h('option', { value: id, selected: id === keep }, state.graph.getNodeAttribute(id, 'name'))));
  }
  if (fresh && selectable.length > 1) state.to.value = selectable[selectable.length - 1];
}

async function expand(state, id) {
  state.selected = id;
  const a = state.graph.hasNode(id) ? state.graph.getNodeAttributes(id) : null;
  try {
    const x = await api(`/graph/expand?node=${enc(id)}&limit=50`);
    addAll(state.graph, [x.node, ...x.neighbours], x.edges, a);
    mount(
      state.detail,
      h('h2', null, 'Node'),
      h('p', null, h('code', { 'data-testid': 'graph-selected' }, x.node.label)),
      h('p', null, `${number(x.total)} neighbours you can see; ${number(x.neighbours.length)} shown`),
      x.node.hub ? h('p', { class: 'notice' }, 'a hub: shown with its degree, not traversed by paths or networks') : null,
      x.node.type === 'report' ? h('p', null, h('a', { href: `#/report/${enc(x.node.id.replace(/^report:/, ''))}` }, 'Open the report')) : h('p', null, h('a', { href: `#/search/${enc(x.node.label)}` }, 'Search this selector')),
    );
    state.status.textContent = `expanded ${x.node.label}: ${number(state.graph.order)} nodes, ${number(state.graph.size)} links`;
    refreshList(state);
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
    const p = await api(`/graph/path?from=${enc(from)}&to=${enc(to)}`);
    if (!p.found) {
      state.path = new Set();
      mount(state.pathOut, h('p', { role: 'status' }, 'no path between these two within the limits'));
    } else {
      addAll(state.graph, p.nodes, p.edges, null);
      state.path = new Set(p.path);
      state.pathIndex = new Map(p.path.map((id, i) => [id, i]));
      mount(
        state.pathOut,
        h('p', { role: 'status' }, `path of ${number(p.length)} links`),
        h('ol', { 'data-testid': 'graph-path' }, p.path.map((id) => h('li', null, state.graph.hasNode(id) ? state.graph.getNodeAttribute(id, 'name') : id))),
      );
      refreshList(state);
    }
    state.renderer.refresh();
  } catch (e) {
    state.app.error(e.message || String(e));
  }
}

async function exportGraphml(state) {
  const r = await fetch(`/api/v1${state.source}${state.source.includes('?') ? '&' : '?'}format=graphml`, {
    headers: { Authorization: `Bearer ${session.token()}` },
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

// Builds the explorer around a graph; sigma starts once the page is in the document.
function explorer(app, heading, source, graph) {
  const state = { app, graph, source, started, path: new Set(), pathIndex: new Map(), selected: null, renderer: null, worker: null };
  current = state;
  const container = h('div', { class: 'graph-canvas', 'data-testid': 'graph-canvas', role: 'img', 'aria-label': 'Graph drawing; the node list beside it offers the same nodes as buttons' });
  state.status = h('p', { class: 'muted', role: 'status', 'data-testid': 'graph-status' }, `${number(graph.order)} nodes, ${number(graph.size)} links`);
  state.list = h('ul', { class: 'graph-list', 'aria-label': 'Nodes' });
  state.detail = h('div', { class: 'graph-detail' });
  state.from = h('select', { id: 'path-from', name: 'from' });
  state.to = h('select', { id: 'path-to', name: 'to' });
  state.pathOut = h('div', { class: 'graph-path' });
  const pathForm = h(
    'form',
    { class: 'form graph-path-form', on: { submit: (e) => { e.preventDefault(); findPath(state); } } },
    h('div', { class: 'field' }, h('label', { for: 'path-from' }, 'Path from'), state.from),
    h('div', { class: 'field' }, h('label', { for: 'path-to' }, 'Path to'), state.to),
    h('button', { type: 'submit', class: 'button' }, 'Find path'),
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => { state.path = new Set(); mount(state.pathOut); state.renderer.refresh(); } } }, 'Clear path'),
  );
  const tools = h(
    'div',
    { class: 'row' },
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => layout(state, 100) } }, 'Run layout'),
    source ? h('button', { type: 'button', class: 'button button-quiet', on: { click: () => exportGraphml(state) } }, 'Export GraphML') : null,
    h('button', { type: 'button', class: 'button button-quiet', on: { click: () => exportPng(state) } }, 'Export PNG'),
  );
  refreshList(state);
  setTimeout(() => start(state, container), 0);
  return [
    heading,
    state.status,
    tools,
    h('div', { class: 'graph-layout' }, container, h('aside', { class: 'graph-side' }, state.detail, h('h2', null, 'Path'), pathForm, state.pathOut, h('h2', null, 'Nodes'), state.list)),
    legend(),
  ];
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
  const hook = { graph: state.graph, renderer: state.renderer, firstRender: null };
  state.renderer.once('afterRender', () => {
    hook.firstRender = performance.now() - state.started;
  });
  state.renderer.refresh();
  state.renderer.on('clickNode', ({ node }) => expand(state, node));
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
  return h(
    'form',
    { class: 'form', on: { submit: (e) => { e.preventDefault(); if (input.value.trim()) app.go(`#/graph/${enc(input.value.trim())}`); } } },
    h('div', { class: 'field' }, h('label', { for: 'graph-node' }, 'Selector or node'), input),
    h('button', { type: 'submit', class: 'button' }, 'Open its neighbourhood'),
  );
}

let started = 0;

export async function render(app, first, second) {
  release();
  await graphLibraries();
  started = performance.now();
  const { Graph } = libraries();
  if (first === 'synthetic') {
    const n = Math.min(Number(second) || 5000, 20000);
    const g = synthetic(n, n * 4);
    return explorer(app, h('h1', null, 'Synthetic graph'), null, g);
  }
  if (first === 'network' && second) {
    const source = `/graph/networks/${enc(second)}`;
    const net = await api(source);
    const g = new Graph({ type: 'undirected' });
    addAll(g, net.nodes, net.edges, null);
    return explorer(app, h('h1', null, 'Network ', h('code', null, net.id)), source, g);
  }
  if (first) {
    const source = `/graph/neighbourhood?node=${enc(first)}`;
    const sub = await api(source);
    const g = new Graph({ type: 'undirected' });
    addAll(g, sub.nodes, sub.edges, null);
    return explorer(app, h('h1', null, 'Neighbourhood of ', h('code', null, first)), source, g);
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

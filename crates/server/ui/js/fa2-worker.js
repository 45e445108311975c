// ForceAtlas2 layout off the main thread: a classic worker running the published, unbundled
// `iterate.js` of graphology-layout-forceatlas2 (a CommonJS file, given a `module` to fill).
// Message in: {run, nodes: Float32Array (10 values a node), edges: Float32Array (3 a edge),
// iterations, settings}; message out: {run, nodes} with the new positions.
self.module = { exports: {} };
self.exports = self.module.exports;
importScripts('/ui/vendor/graphology-layout-forceatlas2-0.10.1/iterate.js');
const iterate = self.module.exports;

self.onmessage = (event) => {
  const { run, nodes, edges, iterations, settings } = event.data;
  for (let i = 0; i < iterations; i++) iterate(settings, nodes, edges);
  self.postMessage({ run, nodes }, [nodes.buffer]);
};

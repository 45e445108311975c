#!/usr/bin/env python3
"""The anchors of the link-graph benchmark: connected components with networkit and igraph.

Run by bench/graph (which generates the edge list, makes the venv target/bench-venv-graph and runs
dragnet's side first). The edge list is one `report_id<TAB>observable_id` line per edge, integer
ids from 0 with no gaps (reports first, observables after them), every id on at least one line,
no edge twice: both readers below build exactly the file's graph, every node in it.

- networkit, `setNumberOfThreads(2)`: `graphio.EdgeListReader('\\t', 0, continuous=True,
  directed=False).read(path)` (ids used as node ids, first node 0), then
  `components.ConnectedComponents(G).run()`. `ParallelConnectedComponents` (which uses the
  threads) is timed too, on the same graph: the comparison takes the faster of the two.
- igraph: `Graph.Read_Edgelist(path, directed=False)` (its C reader: whitespace-separated
  zero-based integer pairs), then `connected_components()`.

Each round reads the file anew (load) and then runs the components on what it read
(components): load+components is the round's sum; best of --rounds for each figure. The
component count must be the same for both tools (and for dragnet's, given with --expect): the
script stops with an error otherwise. Resident memory: the growth of the process's RSS across
the first load. CPU time too (all the process's threads: time.process_time()), steadier than
the wall clock on a busy machine. JSON on stdout; progress on stderr.
"""

import argparse
import gc
import json
import os
import sys
import time
from importlib.metadata import version

import igraph
import networkit as nk


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(f):
    t0 = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t0


def bench_networkit(path, rounds):
    out = {"load_s": [], "components_s": [], "parallel_components_s": [], "load_components_cpu_s": []}
    for i in range(rounds):
        gc.collect()
        rss0 = rss_bytes()
        reader = nk.graphio.EdgeListReader("\t", 0, continuous=True, directed=False)
        c0 = time.process_time()
        g, load = timed(lambda: reader.read(path))
        c_load = time.process_time() - c0
        if i == 0:
            out["rss_load_bytes"] = rss_bytes() - rss0
            out["nodes"], out["edges"] = g.numberOfNodes(), g.numberOfEdges()
        cc = nk.components.ConnectedComponents(g)
        c0 = time.process_time()
        _, comp = timed(cc.run)
        c_comp = time.process_time() - c0
        pcc = nk.components.ParallelConnectedComponents(g)
        c0 = time.process_time()
        _, pcomp = timed(pcc.run)
        c_pcomp = time.process_time() - c0
        count, pcount = cc.numberOfComponents(), pcc.numberOfComponents()
        if count != pcount:
            sys.exit(f"graph_anchors: networkit's ConnectedComponents found {count} components, "
                     f"ParallelConnectedComponents {pcount}")
        out["components"] = count
        out["load_s"].append(load)
        out["components_s"].append(comp)
        out["parallel_components_s"].append(pcomp)
        # CPU time (all threads) of the load and of the components the comparison takes.
        out["load_components_cpu_s"].append(c_load + (c_comp if comp <= pcomp else c_pcomp))
        print(f"  networkit round {i + 1}: load {load:.2f} s, ConnectedComponents {comp:.3f} s, "
              f"ParallelConnectedComponents {pcomp:.3f} s, {count:,} components", file=sys.stderr)
        del g, cc, pcc, reader
    return out


def bench_igraph(path, rounds):
    out = {"load_s": [], "components_s": [], "load_components_cpu_s": []}
    for i in range(rounds):
        gc.collect()
        rss0 = rss_bytes()
        c0 = time.process_time()
        g, load = timed(lambda: igraph.Graph.Read_Edgelist(path, directed=False))
        if i == 0:
            out["rss_load_bytes"] = rss_bytes() - rss0
            out["nodes"], out["edges"] = g.vcount(), g.ecount()
        cl, comp = timed(g.connected_components)
        out["load_components_cpu_s"].append(time.process_time() - c0)
        out["components"] = len(cl)
        out["load_s"].append(load)
        out["components_s"].append(comp)
        print(f"  igraph round {i + 1}: load {load:.2f} s, connected_components {comp:.3f} s, "
              f"{len(cl):,} components", file=sys.stderr)
        del g, cl
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("edges", help="the edge list (report_id<TAB>observable_id per line)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="networkit's threads")
    ap.add_argument("--expect", type=int, help="dragnet's component count: fail unless all agree")
    args = ap.parse_args()
    nk.setNumberOfThreads(args.threads)
    nk.engineering.setLogLevel("ERROR")

    print(f"anchors: networkit {version('networkit')} ({nk.getMaxNumberOfThreads()} threads) "
          f"on {args.edges}…", file=sys.stderr)
    networkit = bench_networkit(args.edges, args.rounds)
    print(f"anchors: igraph {version('igraph')} on {args.edges}…", file=sys.stderr)
    ig = bench_igraph(args.edges, args.rounds)

    counts = {"networkit": networkit["components"], "igraph": ig["components"]}
    if args.expect is not None:
        counts["dragnet"] = args.expect
    if len(set(counts.values())) != 1:
        sys.exit("graph_anchors: THE COMPONENT COUNTS DISAGREE: "
                 + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if (networkit["nodes"], networkit["edges"]) != (ig["nodes"], ig["edges"]):
        sys.exit(f"graph_anchors: networkit read {networkit['nodes']:,} nodes and {networkit['edges']:,} "
                 f"edges, igraph {ig['nodes']:,} and {ig['edges']:,}")
    print(f"anchors: {len(counts)} tools agree: {networkit['components']:,} components", file=sys.stderr)

    json.dump({
        "edges_file": args.edges,
        "rounds": args.rounds,
        "versions": {"networkit": version("networkit"), "igraph": version("igraph"),
                     "python": sys.version.split()[0]},
        "networkit_threads": nk.getMaxNumberOfThreads(),
        "networkit": networkit,
        "igraph": ig,
    }, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

"""Reads dragnet's graph exports with NetworkX and checks they carry the same graph as the JSON answer.

Usage: graph_interop.py NETWORK.json NETWORK.graphml NETWORK.gexf NETWORK.csv
"""

import csv
import json
import sys

import networkx as nx


def main() -> int:
    answer_path, graphml_path, gexf_path, csv_path = sys.argv[1:5]
    with open(answer_path, encoding="utf-8") as f:
        answer = json.load(f)
    nodes = {n["id"]: n for n in answer["nodes"]}
    edges = {(e["source"], e["target"]) for e in answer["edges"]}
    assert nodes and edges, "the network answer is empty"

    for name, graph in [
        ("graphml", nx.read_graphml(graphml_path)),
        ("gexf", nx.read_gexf(gexf_path)),
    ]:
        assert set(graph.nodes) == set(nodes), f"{name}: nodes differ"
        assert {(u, v) for u, v in graph.edges()} == edges, f"{name}: edges differ"
        for node_id, data in graph.nodes(data=True):
            want = nodes[node_id]
            assert data["type"] == want["type"], (name, node_id, data)
            assert str(data.get("kind", "")) == str(want.get("kind") or ""), (name, node_id, data)
            assert int(data["degree"]) == want["degree"], (name, node_id, data)
            assert str(data["hub"]).lower() == str(want["hub"]).lower(), (name, node_id, data)
            assert data["label"] == want["label"], (name, node_id, data)
        print(f"{name}: {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges read back")

    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["source"], r["target"]) for r in rows} == edges, "csv: edges differ"
    roles = {(e["source"], e["target"]): e.get("role") or "" for e in answer["edges"]}
    assert all(roles[(r["source"], r["target"])] == r["role"] for r in rows), "csv: roles differ"
    print(f"csv: {len(rows)} edges read back")
    return 0


if __name__ == "__main__":
    sys.exit(main())

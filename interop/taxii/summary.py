"""Prints the interop run's summary from pytest's JUnit XML reports: passed, failed, skipped
(and expected failures) per test file and server, then the figures of the medallion port.

Usage: summary.py TARGET=REPORT.xml...
"""

import ast
import collections
import os
import sys
import xml.etree.ElementTree as ET


def counts(path):
    per_file = collections.defaultdict(collections.Counter)
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")[0] + ".py"
        children = {c.tag for c in case}
        if "failure" in children or "error" in children:
            outcome = "failed"
        elif "skipped" in children:
            kind = next(c for c in case if c.tag == "skipped").get("type", "")
            outcome = "xfailed" if "xfail" in kind else "skipped"
        else:
            outcome = "passed"
        per_file[name][outcome] += 1
    return per_file


def medallion_figures():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "test_medallion_ported.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("ORIGINAL_TESTS", "LEFT_OUT"):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    original, left_out = values["ORIGINAL_TESTS"], values["LEFT_OUT"]
    ported = [t for t in original if t.split("[")[0] not in left_out]
    lines = [f"medallion test_backends.py: {len(ported)} of {len(original)} tests ported, {len(left_out)} left out:"]
    lines += [f"  {name}: {reason}" for name, reason in left_out.items()]
    return lines


def main():
    totals = collections.Counter()
    print(f"{'server':<10} {'file':<28} {'passed':>6} {'failed':>6} {'skipped':>7} {'xfailed':>7}")
    for arg in sys.argv[1:]:
        target, path = arg.split("=", 1)
        if not os.path.exists(path):
            print(f"{target:<10} (no report: pytest did not run)")
            totals["failed"] += 1
            continue
        for name, c in sorted(counts(path).items()):
            totals.update(c)
            print(f"{target:<10} {name:<28} {c['passed']:>6} {c['failed']:>6} {c['skipped']:>7} {c['xfailed']:>7}")
    for line in medallion_figures():
        print(line)
    print(f"interop: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

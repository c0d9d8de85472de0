#!/usr/bin/python3
"""Fails when two source files of lscrenew use each other (a function or
variable one defines, the other uses, both ways), directly or around a
longer circle: the layers must run one way.  Reads the objects' symbol
tables (nm), so it sees calls, not only #includes."""

import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
    return defined, used


def main(objdir):
    files = {}
    for top in ("cli", "axl", "jobs", "reports"):
        for root, _, names in os.walk(os.path.join(objdir, top)):
            for n in names:
                p = os.path.join(root, n)
                src = os.path.relpath(p, objdir)[:-2] + ".c"
                # an object whose source is gone is left from an old build
                if n.endswith(".o") and os.path.exists(src):
                    files[src] = symbols(p)
    owner = {s: f for f, (d, _) in files.items() for s in d}
    deps = {f: sorted({owner[s] for s in u if s in owner} - {f})
            for f, (_, u) in files.items()}
    # Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in deps[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    for scc in sccs:
        pairs = [f"{a} -> {b}" for a in scc for b in deps[a] if b in scc]
        print("cycle: " + ", ".join(scc) + "\n  " + "\n  ".join(pairs))
    return 1 if sccs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/obj"))

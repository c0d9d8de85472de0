#!/usr/bin/python3
"""Fails when a function of lscrenew is longer than 120 lines (house
style: the body between an opening and a closing brace that each start a
line, the function's name at the start of the line before)."""

import glob
import re
import sys

LIMIT = 120


def functions(path):
    name, start, last = None, None, "?"
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"(\w+)\(", line)
            if m:
                last = m.group(1)
            if line.startswith("{") and start is None:
                name, start = last, n
            elif line.startswith("}") and start is not None:
                yield name, start, n - start - 1
                name, start = None, None


def main():
    bad = 0
    for top in ("cli", "axl", "jobs", "reports"):
        for path in sorted(glob.glob(f"{top}/**/*.c", recursive=True)):
            for name, line, n in functions(path):
                if n > LIMIT:
                    print(f"{path}:{line}: {name}() is {n} lines "
                          f"(at most {LIMIT})")
                    bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())

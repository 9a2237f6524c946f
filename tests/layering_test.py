#!/usr/bin/env python3
"""The layering of ARCHITECTURE.md, checked: every `#include "gpubox/..."` in src/ and every
layer's link dependencies in CMakeLists.txt must be allowed by the table of layers there.

Usage: layering_test.py SOURCE_DIR. Prints each violation and exits 1 when there is one.
The checker also proves itself on a made-up violation (box/ including local/), so a table
or a parser that allowed everything would fail here too."""

import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"(gpubox/[^"]+)"', re.MULTILINE)
CODE = re.compile(r"`([^`]+)`")


def read_table(architecture):
    """{layer: (paths, allowed layers)} from the rows of the table whose first cell is `name`."""
    layers = {}
    for line in architecture.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"`[a-z_]+`", cells[0]):
            continue
        name = cells[0].strip("`")
        paths = [path for path in CODE.findall(cells[1]) if path.startswith("src/")]
        allowed = set(CODE.findall(cells[-1]))
        layers[name] = (paths, allowed)
    return layers


def layer_of(path, layers):
    """The layer owning a path under src/: the longest folder or file of the table that holds it."""
    best, best_length = None, -1
    for name, (paths, _) in layers.items():
        for owned in paths:
            holds = path == owned or (owned.endswith("/") and path.startswith(owned))
            if holds and len(owned) > best_length:
                best, best_length = name, len(owned)
    return best


def include_violations(files, layers):
    """files: {path under the source dir: text}. Yields one message per forbidden include."""
    for path, text in sorted(files.items()):
        owner = layer_of(path, layers)
        if owner is None:
            yield f"{path}: in no layer of ARCHITECTURE.md's table"
            continue
        allowed = layers[owner][1] | {owner}
        for included in INCLUDE.findall(text):
            target = layer_of("src/" + included, layers)
            if target is None:
                yield f"{path}: includes {included}, which is in no layer"
            elif target not in allowed:
                yield (f"{path}: {owner} includes {included} ({target}); "
                       f"{owner} may use {', '.join(sorted(layers[owner][1])) or 'nothing'}")


def link_violations(cmake, layers):
    """Yields one message per layer library linking a layer its row does not allow."""
    declared = {}
    for match in re.finditer(r"gpubox_layer\(\s*([a-z_]+)(.*?)\)\s*$", cmake, re.S | re.M):
        name, body = match.group(1), match.group(2)
        declared[name] = {dependency for dependency in re.findall(r"\bgpubox_([a-z_]+)\b", body)
                          if not dependency.startswith("dep_")}  # gpubox_dep_*: outside libraries
    for name in sorted(set(layers) | set(declared)):
        if name not in declared:
            yield f"CMakeLists.txt: no gpubox_layer({name} ...) for the table's layer {name}"
        elif name not in layers:
            yield f"ARCHITECTURE.md: no row for the CMake layer {name}"
        else:
            for dependency in sorted(declared[name] - layers[name][1]):
                yield f"CMakeLists.txt: {name} links {dependency}, which its row does not allow"


def main():
    root = pathlib.Path(sys.argv[1])
    layers = read_table((root / "ARCHITECTURE.md").read_text())
    if len(layers) < 10:
        print(f"ARCHITECTURE.md: only {len(layers)} layers read from the table")
        return 1
    files = {str(path.relative_to(root)): path.read_text()
             for path in sorted((root / "src" / "gpubox").rglob("*"))
             if path.suffix in (".h", ".cc")}
    problems = list(include_violations(files, layers))
    problems += list(link_violations((root / "CMakeLists.txt").read_text(), layers))
    # The checker must catch what it is for: box/ reaching into local/.
    made_up = {"src/gpubox/box/made_up.cc": '#include "gpubox/local/store.h"\n'}
    if not list(include_violations(made_up, layers)):
        problems.append("self-test: box/ including local/store.h was not reported")
    for problem in problems:
        print(problem)
    print(f"{len(files)} files, {len(layers)} layers: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Independent oracle for `gpubox offers`: computes the feasible, price-ordered
offer set straight from data/catalog.tsv for many random requirement sets and
compares it with what the binary prints (--json --limit 0, and --limit N).

Usage: offers_oracle.py GPUBOX_BINARY CATALOG_TSV [CASES] [SEED]
"""
import json
import random
import subprocess
import sys

QUOTA_ON_DEMAND = {"g": "L-DB2E81BA", "p": "L-417A185B"}


def quota_code(family, market):
    if market == "on-demand":
        return QUOTA_ON_DEMAND[family[0]]
    if family.startswith("g"):
        return "L-3819A6DF"
    if family[:2] in ("p2", "p3", "p4"):
        return "L-7212CCBC"
    return "L-C4BD4855"


def load(path):
    types, offers = {}, []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        if f[0] == "T":
            types[f[1]] = dict(name=f[1], family=f[2], model=f[4], count=int(f[5]),
                               gpu_mem_mib=int(f[6]), vcpus=int(f[7]), mem_mib=int(f[8]),
                               arch=f[9], generation=f[10])
        elif f[0] == "P":
            offers.append((f[1], f[2], "on-demand", float(f[3]), None))
            if f[4] != "-":
                offers.append((f[1], f[2], "spot", float(f[4]), None if f[5] == "-" else f[5]))
    return types, offers


def expected(types, offers, req):
    rows = []
    for type_name, region, market, price, interruption in offers:
        t = types[type_name]
        model, count = req["gpu"]
        if model is None:
            if t["generation"] == "previous":
                continue
        elif t["model"] != model:
            continue
        if count is not None and t["count"] != count:
            continue
        if req["gpu_mem"] is not None and t["gpu_mem_mib"] < req["gpu_mem"] * 1024:
            continue
        if req["vcpus"] is not None and t["vcpus"] < req["vcpus"]:
            continue
        if req["mem"] is not None and t["mem_mib"] < req["mem"] * 1024:
            continue
        if req["regions"] and region not in req["regions"]:
            continue
        if market not in req["markets"]:
            continue
        if req["max_price"] is not None and price > req["max_price"]:
            continue
        if req["arch"] is not None and t["arch"] != req["arch"]:
            continue
        rows.append(dict(instance_type=type_name, gpu_model=t["model"], gpu_count=t["count"],
                         gpu_mem_gib=t["gpu_mem_mib"] / 1024, vcpus=t["vcpus"],
                         mem_gib=t["mem_mib"] / 1024, region=region, market=market,
                         price_usd_hr=price, spot_interruption=interruption,
                         generation=t["generation"], quota_code=quota_code(t["family"], market)))
    rows.sort(key=lambda r: (r["price_usd_hr"], r["instance_type"], r["region"], r["market"]))
    return rows


def random_requirements(rng, types, regions):
    models = sorted({t["model"] for t in types.values()})
    req = dict(gpu=(None, None), gpu_mem=None, vcpus=None, mem=None, regions=[],
               markets={"on-demand", "spot"}, max_price=None, arch=None)
    args = []
    if rng.random() < 0.8:
        model = rng.choice(models)
        count = rng.choice([None, None, 1, 2, 4, 8]) 
        spelled = rng.choice([model, model.lower(), model.upper()])
        args += ["--gpu", spelled if count is None else f"{spelled}:{count}"]
        req["gpu"] = (model, count)
    elif rng.random() < 0.5:
        args += ["--gpu", rng.choice(["any", "ANY"])]
    if rng.random() < 0.3:
        req["gpu_mem"] = rng.choice([8, 16, 24, 32, 40, 80, 22.5])
        args += ["--gpu-mem", str(req["gpu_mem"])]
    if rng.random() < 0.3:
        req["vcpus"] = rng.choice([4, 8, 16, 48, 96])
        args += ["--vcpus", str(req["vcpus"])]
    if rng.random() < 0.3:
        req["mem"] = rng.choice([16, 32, 64, 128, 384])
        args += ["--mem", str(req["mem"])]
    if rng.random() < 0.4:
        req["regions"] = rng.sample(regions, rng.choice([1, 2, 3]))
        for region in req["regions"]:
            args += ["--region", region]
    market = rng.random()
    if market < 0.3:
        req["markets"] = {"spot"}
        args.append("--spot")
    elif market < 0.6:
        req["markets"] = {"on-demand"}
        args.append("--on-demand")
    if rng.random() < 0.4:
        req["max_price"] = round(rng.uniform(0.1, 40), 3)
        args += ["--max-price", str(req["max_price"])]
    if rng.random() < 0.2:
        req["arch"] = rng.choice(["x86_64", "arm64"])
        args += ["--arch", req["arch"]]
    return req, args


def main():
    binary, catalog = sys.argv[1], sys.argv[2]
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261127
    types, offers = load(catalog)
    regions = sorted({o[1] for o in offers})
    rng = random.Random(seed)
    failures = nonempty = 0
    for case in range(cases):
        req, args = random_requirements(rng, types, regions)
        want = expected(types, offers, req)
        limit = rng.choice([0, 0, 0, 1, 5, 20])
        run = subprocess.run([binary, "offers", "--json", "--limit", str(limit)] + args,
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"case {case}: exit {run.returncode}: {args}: {run.stderr}")
            failures += 1
            continue
        got = json.loads(run.stdout)
        if limit:
            want = want[:limit]
        nonempty += bool(want)
        if got != want:
            failures += 1
            print(f"case {case}: {args} --limit {limit}: got {len(got)} rows, want {len(want)}")
            for g, w in zip(got, want):
                if g != w:
                    print(f"  first difference:\n    got  {g}\n    want {w}")
                    break
    print(f"offers oracle: {cases - failures} passed, {failures} failed "
          f"({nonempty} cases with offers)")
    sys.exit(1 if failures or nonempty < cases // 4 else 0)


main()

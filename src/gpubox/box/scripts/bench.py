# gpubox bench, run on the box with the box's own torch (`gpubox bench NAME`).
#
#   python bench.py [--quick] [--workers N]      prints one JSON object on stdout
#
# The launcher (this file run plainly) imports no torch: it starts one torchrun job of N
# worker processes (N = GPUs, or on a box without one, CPU cores up to 4) running this file
# with --worker. In that job rank 0 (and, for a full run, every GPU in turn) measures matrix
# multiply throughput, device memory bandwidth and host<->device bandwidth; then a ResNet-18
# training step runs under DistributedDataParallel on 1, 2, .., N workers (sub-groups of the
# one job, so torch is imported N + 1 times in all, not once per size); then an all-reduce
# across all N (NCCL on GPUs, gloo on CPU; busbw = algbw x 2(n-1)/n, as nccl-tests counts
# it). Rank 0 writes the JSON to the --out file. Progress goes to stderr, one line a step.
# Every figure carries its unit; times are seconds, medians of several repetitions.
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SCHEMA = 1


def log(message):
    print("bench: " + message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- launcher (no torch)


def gpu_count_without_torch():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode == 0:
            return len([line for line in out.stdout.splitlines() if line.strip()])
    except (OSError, subprocess.SubprocessError):
        pass
    return 0


def nvidia_facts():
    """Clocks and PCIe link per GPU from nvidia-smi (for the flags), or []."""
    fields = ["name", "clocks.sm", "clocks.max.sm", "pcie.link.gen.current",
              "pcie.link.gen.max", "pcie.link.width.current", "pcie.link.width.max",
              "power.draw", "power.limit", "temperature.gpu"]
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=" + ",".join(fields),
                              "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    facts = []
    for line in out.stdout.splitlines():
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(fields):
            continue
        row = {}
        for key, value in zip(fields, values):
            try:
                row[key.replace(".", "_")] = float(value) if key != "name" else value
            except ValueError:
                row[key.replace(".", "_")] = None
        facts.append(row)
    return facts


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(args):
    started = time.perf_counter()
    gpus = gpu_count_without_torch()
    workers = args.workers or (gpus if gpus > 0 else max(1, min(os.cpu_count() or 1, 4)))
    out_path = tempfile.mktemp(prefix="gpubox-bench-", suffix=".json")
    env = dict(os.environ)
    # Single node: gloo and the rendezvous stay on loopback (gloo otherwise binds to the
    # address the hostname resolves to, which a box may not have).
    env.setdefault("GLOO_SOCKET_IFNAME", "lo")
    env.setdefault("OMP_NUM_THREADS", "1")
    argv = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
            "--nproc_per_node", str(workers), "--master_addr", "127.0.0.1",
            "--master_port", str(free_port()),
            # No redirection. Torch 1.13 on Python 3.11 reads "0" as None (IntFlag iteration
            # skips zero) and crashes, so say it as a map naming local rank 9 alone.
            "--redirects", "9:1", "--tee", "9:1",
            os.path.abspath(__file__), "--worker", "--out", out_path]
    if args.quick:
        argv.append("--quick")
    if workers == 1:
        # One worker needs no launcher: this process is rank 0 of a world of one (torch is
        # then imported once instead of twice).
        log("1 worker, in this process")
        os.environ.update({k: env[k] for k in ("GLOO_SOCKET_IFNAME", "OMP_NUM_THREADS")})
        os.environ.update({"RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1",
                           "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port())})
        args.out = out_path
        status = worker(args)
    else:
        log("torchrun with %d workers" % workers)
        status = subprocess.run(argv, env=env, stdout=sys.stderr).returncode
    if status != 0 or not os.path.exists(out_path):
        log("the workers failed with status %d" % status)
        return 1
    with open(out_path) as f:
        result = json.load(f)
    os.unlink(out_path)
    result["nvidia"] = nvidia_facts()
    result["elapsed_seconds"] = time.perf_counter() - started
    print(json.dumps(result, indent=1))
    return 0


# ---------------------------------------------------------------- workers (torch)


class Timer:
    """Times a callable on one device: CUDA events' worth of synchronisation included."""

    def __init__(self, torch, device):
        self.torch = torch
        self.cuda = device.type == "cuda"
        self.device = device

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize(self.device)

    def median(self, fn, inner, samples, warmup=2):
        for _ in range(warmup):
            fn()
        self.sync()
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            self.sync()
            times.append((time.perf_counter() - t0) / inner)
        return statistics.median(times)

    def calibrate(self, fn, target_s):
        """Inner repetitions so that one sample lasts about target_s."""
        fn()
        self.sync()
        t0 = time.perf_counter()
        fn()
        self.sync()
        once = max(time.perf_counter() - t0, 1e-7)
        return max(1, min(1000, int(target_s / once)))


def precisions(torch, device):
    """(name, dtype, allow_tf32) available on this device."""
    if device.type != "cuda":
        found = [("fp32", torch.float32, False)]
        try:
            a = torch.ones((8, 8), dtype=torch.bfloat16)
            _ = a @ a
            found.append(("bf16", torch.bfloat16, False))
        except RuntimeError:
            pass
        return found
    major, _ = torch.cuda.get_device_capability(device)
    found = [("fp32", torch.float32, False)]
    if major >= 8:
        found.append(("tf32", torch.float32, True))
    found.append(("fp16", torch.float16, False))
    if major >= 8:
        found.append(("bf16", torch.bfloat16, False))
    return found


def gemm(torch, device, quick):
    timer = Timer(torch, device)
    if device.type == "cuda":
        sizes = [1024, 2048, 4096] if quick else [1024, 2048, 4096, 8192]
        target = 0.02 if quick else 0.05
    else:
        # From 256 up: below, a call's fixed cost (waking the threads) can outweigh the 8x
        # work of the next size on a busy CPU, and a bigger matrix would seem faster.
        sizes = [256, 512, 768] if quick else [256, 512, 1024]
        target = 0.02 if quick else 0.1
    samples = 5 if quick else 7
    results = []
    for name, dtype, tf32 in precisions(torch, device):
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
        rows = []
        for n in sizes:
            a = torch.randn((n, n), device=device).to(dtype)
            b = torch.randn((n, n), device=device).to(dtype)
            fn = lambda: torch.matmul(a, b)  # noqa: E731
            seconds = timer.median(fn, timer.calibrate(fn, target), samples)
            rows.append({"n": n, "seconds": seconds, "tflops": 2.0 * n ** 3 / seconds / 1e12})
            log("gemm %s n=%d %.3f TFLOP/s" % (name, n, rows[-1]["tflops"]))
            del a, b
        results.append({"precision": name, "unit": "TFLOP/s",
                        "tflops": max(row["tflops"] for row in rows), "sizes": rows})
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
    return results


def memory_bandwidth(torch, device, quick):
    timer = Timer(torch, device)
    if device.type == "cuda":
        nbytes = (256 if quick else 1024) << 20
    else:
        nbytes = (32 if quick else 256) << 20
    src = torch.empty(nbytes, dtype=torch.uint8, device=device).fill_(1)
    dst = torch.empty_like(src)
    fn = lambda: dst.copy_(src)  # noqa: E731
    seconds = timer.median(fn, timer.calibrate(fn, 0.02), 3 if quick else 7)
    gbps = 2.0 * nbytes / seconds / 1e9
    log("memory copy %.1f GB/s" % gbps)
    return {"unit": "GB/s", "gbps": gbps, "bytes": nbytes, "seconds": seconds,
            "method": "device-to-device copy, 2 x bytes / time"}


def host_device(torch, device, quick):
    if device.type != "cuda":
        return {"unit": "GB/s", "h2d_gbps": None, "d2h_gbps": None, "bytes": 0,
                "note": "CPU only: no host-device link"}
    timer = Timer(torch, device)
    nbytes = (64 if quick else 256) << 20
    host = torch.empty(nbytes, dtype=torch.uint8).pin_memory()
    dev = torch.empty(nbytes, dtype=torch.uint8, device=device)
    h2d = timer.median(lambda: dev.copy_(host, non_blocking=True), 2, 3 if quick else 7)
    d2h = timer.median(lambda: host.copy_(dev, non_blocking=True), 2, 3 if quick else 7)
    log("host->device %.1f GB/s, device->host %.1f GB/s" % (nbytes / h2d / 1e9, nbytes / d2h / 1e9))
    return {"unit": "GB/s", "h2d_gbps": nbytes / h2d / 1e9, "d2h_gbps": nbytes / d2h / 1e9,
            "bytes": nbytes, "method": "pinned host memory, one copy each way"}


def train(torch, dist, device, rank, world, groups, quick):
    import torchvision
    cuda = device.type == "cuda"
    image = 224 if (cuda or not quick) else 64
    batch = (32 if quick else 64) if cuda else (4 if quick else 8)
    steps = (5 if quick else 20) if cuda else (3 if quick else 5)
    runs = []
    for n in range(1, world + 1):
        if rank < n:
            torch.manual_seed(0)
            model = torchvision.models.resnet18(num_classes=1000).to(device)
            ddp = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if cuda else None, process_group=groups[n])
            opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
            x = torch.randn((batch, 3, image, image), device=device)
            y = torch.randint(0, 1000, (batch,), device=device)
            loss_fn = torch.nn.CrossEntropyLoss()

            def step():
                opt.zero_grad(set_to_none=True)
                with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=cuda):
                    loss = loss_fn(ddp(x), y)
                loss.backward()
                opt.step()

            step()  # warm-up: cuDNN autotuning, DDP's buckets
            if cuda:
                torch.cuda.synchronize(device)
            dist.barrier(group=groups[n])
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            if cuda:
                torch.cuda.synchronize(device)
            dist.barrier(group=groups[n])
            seconds = time.perf_counter() - t0
            del ddp, model, opt
            if rank == 0:
                rate = n * batch * steps / seconds
                runs.append({"workers": n, "seconds": seconds, "samples_per_s": rate})
                log("resnet18 %d worker%s: %.1f samples/s" % (n, "" if n == 1 else "s", rate))
        dist.barrier()
    if rank == 0:
        one = runs[0]["samples_per_s"]
        for run in runs:
            run["efficiency"] = run["samples_per_s"] / (run["workers"] * one)
    return {"model": "resnet18", "unit": "samples/s", "image_size": image,
            "batch_per_worker": batch, "steps": steps,
            "precision": "amp fp16" if cuda else "fp32", "runs": runs}


def allreduce(torch, dist, device, world, quick):
    if world < 2:
        return {"unit": "GB/s", "backend": dist.get_backend(), "ranks": world, "algbw_gbps": None,
                "busbw_gbps": None, "note": "one worker: nothing to reduce across"}
    cuda = device.type == "cuda"
    nbytes = ((64 if quick else 512) << 20) if cuda else ((4 if quick else 32) << 20)
    tensor = torch.ones(nbytes // 4, dtype=torch.float32, device=device)
    iters = 5 if quick else 20
    for _ in range(2):
        dist.all_reduce(tensor)
    if cuda:
        torch.cuda.synchronize(device)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(iters):
        dist.all_reduce(tensor)
    if cuda:
        torch.cuda.synchronize(device)
    seconds = (time.perf_counter() - t0) / iters
    algbw = nbytes / seconds / 1e9
    busbw = algbw * 2 * (world - 1) / world
    if dist.get_rank() == 0:
        log("all-reduce %s x%d: busbw %.2f GB/s" % (dist.get_backend(), world, busbw))
    return {"unit": "GB/s", "backend": dist.get_backend(), "ranks": world, "bytes": nbytes,
            "seconds": seconds, "algbw_gbps": algbw, "busbw_gbps": busbw,
            "method": "busbw = algbw x 2(n-1)/n"}


def device_measures(torch, device, quick):
    return {"gemm": gemm(torch, device, quick),
            "memory": memory_bandwidth(torch, device, quick),
            "host_device": host_device(torch, device, quick)}


def worker(args):
    import torch
    import torch.distributed as dist
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    cuda = torch.cuda.is_available()
    if cuda:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group("nccl" if cuda else "gloo")
    groups = {n: dist.new_group(list(range(n))) for n in range(1, world + 1)}
    per_device = []
    if cuda:
        # Each GPU in turn (a quick run: the first only), so that none shares the host's links.
        for turn in range(world if not args.quick else 1):
            if rank == turn:
                entry = device_measures(torch, device, args.quick)
                entry["index"] = rank
                entry["name"] = torch.cuda.get_device_name(device)
                per_device.append(entry)
            dist.barrier()
        gathered = [None] * world
        dist.all_gather_object(gathered, per_device)
        per_device = [entry for part in gathered for entry in part]
    else:
        if rank == 0:
            # One thread, as each training worker has: per-core figures. Several threads on a
            # CPU shared with other work wait for each other at every barrier, and the
            # timings stop meaning anything (a small matrix then takes longer than a big one).
            torch.set_num_threads(1)
            entry = device_measures(torch, device, args.quick)
            entry["index"] = 0
            entry["name"] = "CPU"
            entry["threads"] = 1
            per_device.append(entry)
        dist.barrier()
    training = train(torch, dist, device, rank, world, groups, args.quick)
    reduce = allreduce(torch, dist, device, world, args.quick)
    if rank == 0:
        result = {
            "schema": SCHEMA,
            "quick": bool(args.quick),
            "device": {
                "kind": "gpu" if cuda else "cpu",
                "name": per_device[0]["name"] if per_device else "?",
                "count": torch.cuda.device_count() if cuda else 0,
                "workers": world,
                "cpus": os.cpu_count(),
                "torch": torch.__version__,
                "cuda": torch.version.cuda if cuda else None,
                "note": None if cuda else "CPU only: no GPU visible to torch (figures per core)",
            },
            "devices": per_device,
            "training": training,
            "allreduce": reduce,
        }
        with open(args.out, "w") as f:
            json.dump(result, f)
    dist.barrier()
    dist.destroy_process_group()
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    return worker(args) if args.worker else launch(args)


if __name__ == "__main__":
    sys.exit(main())

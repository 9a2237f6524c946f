#!/usr/bin/env python3
"""The sample notebook's model (linear regression by minibatch SGD, D2L 3.4) trained with
PyTorch DistributedDataParallel: the worked example for a gpubox cluster.

On a cluster made by `gpubox up c --nodes 2`, one command starts it on every node:

  gpubox run c --all-nodes --workdir examples/ddp -- torchrun \\
      --nnodes '$GPUBOX_NUM_NODES' --nproc_per_node '$GPUBOX_GPUS_PER_NODE' \\
      --rdzv_backend c10d --rdzv_id '$GPUBOX_JOB_ID' \\
      --rdzv_endpoint '$GPUBOX_MASTER_ADDR:29400' --redirects 9:1 --tee 9:1 train.py

(gpubox expands the quoted variables on each node; Debian's torch 1.13 spells the flags with
underscores and crashes parsing its log flags unless --redirects and --tee are given: 9:1
names a local rank there is none of, so nothing is redirected). Without torchrun it trains
alone, in one process. Every run sees the same data (fixed seed) and the same global batch,
split across the processes, so the weights it ends with are the same, within float rounding,
however many processes share the work: rank 0
prints them and writes them to $GPUBOX_CHECKPOINT_DIR/weights.json (or --out).
Backend: NCCL on GPUs, gloo on CPUs (GLOO_SOCKET_IFNAME comes from the cluster's wiring).
"""
import argparse
import json
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch", type=int, default=10, help="global batch, split across ranks")
parser.add_argument("--out", default=os.path.join(
    os.environ.get("GPUBOX_CHECKPOINT_DIR", "."), "weights.json"))
args = parser.parse_args()

distributed = "WORLD_SIZE" in os.environ
use_cuda = torch.cuda.is_available()
if distributed:
    dist.init_process_group("nccl" if use_cuda else "gloo")
rank = dist.get_rank() if distributed else 0
world = dist.get_world_size() if distributed else 1
local_rank = int(os.environ.get("LOCAL_RANK", "0"))
device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
if args.batch % world:
    raise SystemExit(f"the global batch {args.batch} does not split over {world} processes")

# The notebook's data, the same on every rank.
torch.manual_seed(0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
X = torch.randn(1000, 2)
y = (X @ true_w + true_b + 0.01 * torch.randn(1000)).reshape(-1, 1)
X, y = X.to(device), y.to(device)

model = torch.nn.Linear(2, 1).to(device)
with torch.no_grad():  # the notebook starts from zeros
    model.weight.zero_()
    model.bias.zero_()
if distributed:
    model = DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None)
optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
share = args.batch // world
for epoch in range(args.epochs):
    for start in range(0, len(X), args.batch):
        # This rank's share of the global batch; DDP averages the gradients over the ranks,
        # so each step is the one-process step on the whole batch.
        part = slice(start + rank * share, start + (rank + 1) * share)
        loss = ((model(X[part]) - y[part]) ** 2 / 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        full = float(((model(X) - y) ** 2 / 2).mean())
    if rank == 0:
        print(f"epoch {epoch + 1}, loss {full:f}", flush=True)

plain = model.module if distributed else model
weights = {"w": plain.weight.detach().cpu().reshape(-1).tolist(),
           "b": float(plain.bias.detach().cpu()), "world_size": world}
if rank == 0:
    print("weights", json.dumps(weights), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as out:
        json.dump(weights, out)
if distributed:
    dist.destroy_process_group()

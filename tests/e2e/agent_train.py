"""A training-like job for the agent's end-to-end test: a small MLP fitted with SGD on
synthetic batches (fixed seed; batch N depends only on N), one line "step N loss L" per step,
a checkpoint to $GPUBOX_CHECKPOINT_DIR every EVERY steps and on SIGTERM (then exit 143), a
resume from it, and at the end "result SHA256" of the weights: the same with or without
interruptions. Usage: agent_train.py STEPS STEP_SECONDS EVERY."""
import hashlib
import os
import signal
import sys
import time

import torch

steps, step_s, every = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
checkpoint = os.path.join(os.environ["GPUBOX_CHECKPOINT_DIR"], "train.pt")
torch.manual_seed(0)
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
done = 0
if os.path.exists(checkpoint):
    state = torch.load(checkpoint)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    done = state["step"]
    print("resumed from step", done, flush=True)
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(time.time()))


def save(step):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step},
               checkpoint + ".new")
    os.replace(checkpoint + ".new", checkpoint)


target = torch.arange(8.0) / 8
for step in range(done + 1, steps + 1):
    if stop:
        save(done)
        print("checkpointed at step", done, "on SIGTERM", flush=True)
        sys.exit(143)
    batch = torch.randn(32, 8, generator=torch.Generator().manual_seed(step))
    loss = ((model(batch) - torch.tanh(batch @ target).unsqueeze(1)) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    done = step
    print("step %d loss %.6f" % (step, loss.item()), flush=True)
    if step % every == 0:
        save(step)
    time.sleep(step_s)
weights = b"".join(p.detach().numpy().tobytes() for p in model.parameters())
print("result", hashlib.sha256(weights).hexdigest(), flush=True)

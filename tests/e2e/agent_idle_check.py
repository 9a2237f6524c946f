"""The agent's idle auto-stop and budget (box/scripts/agent.py), without a box: the pure
IdleClock, the Window of amounts, the probes on this machine's /proc and a scratch pts, and
IdleWatcher/BudgetWatcher driven with a fake clock and a recorded poweroff. Run by
agent_logic_test.sh: agent_idle_check.py AGENT_PY."""
import importlib.util
import json
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time

spec = importlib.util.spec_from_file_location("agent", sys.argv[1])
agent_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent_mod)
scratch = tempfile.mkdtemp(prefix="gpubox-idle-")
agent_mod.STATE_DIR, agent_mod.RUN_DIR = scratch + "/state", scratch + "/run"
agent_mod.PTS_DIR = scratch + "/pts"  # never this machine's terminals
home = scratch + "/home"
for made in (agent_mod.STATE_DIR, agent_mod.RUN_DIR, agent_mod.PTS_DIR, home + "/.gpubox",
             home + "/notebooks"):
    os.makedirs(made)
with open(agent_mod.PTS_DIR + "/0", "w"):
    pass  # a "terminal"
os.utime(agent_mod.PTS_DIR + "/0", (1000, 1000))  # typed in long ago
agent_mod.POWEROFF = ["sh", "-c", "echo off >> " + scratch + "/poweroff"]
failures = []


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name, flush=True)
    if not ok:
        failures.append(name)


# IdleClock: pure.
clock = agent_mod.IdleClock(0)
steps = [clock.step(t, 0, 100, 30) for t in (10, 69, 70, 99)]
check("idle clock: warns at stop - warn, once", steps == [None, None, "warn", None])
check("idle clock: stops at the duration", clock.step(100, 0, 100, 30) == "stop")
clock = agent_mod.IdleClock(0)
clock.step(75, 0, 100, 30)
check("idle clock: use after the warning cancels it", clock.step(80, 80, 100, 30) == "cancel")
check("idle clock: and counts from the use", clock.step(140, 0, 100, 30) is None
      and clock.step(180, 0, 100, 30) == "stop")
clock = agent_mod.IdleClock(0)
check("idle clock: off never stops", all(clock.step(t, 0, 0, 30) is None for t in (10, 10 ** 6)))
clock = agent_mod.IdleClock(0)
clock.step(50, 0, 100, 30)
check("idle clock: a new duration counts anew", clock.step(60, 0, 40, 30) is None
      and clock.step(95, 0, 40, 30) == "warn" and clock.step(100, 0, 40, 30) == "stop")

window = agent_mod.Window(60)
window.add(0, 10)
window.add(30, 5)
check("window: sums the last minute", window.add(59, 1) == 16 and window.add(61, 0) == 6)


class FakeAgent(agent_mod.Agent):
    def __init__(self, settings):
        super().__init__(pwd.getpwuid(os.getuid()).pw_name, [])
        self.home = home
        self.fixed = settings

    def conf(self, key, default):
        return self.fixed.get(key, default)

    def as_user(self, argv, env=None, timeout_s=60):
        return super().as_user(argv, env, timeout_s) if os.getuid() == 0 else (0, "")


def events(kind=None):
    try:
        with open(agent_mod.STATE_DIR + "/events.jsonl") as lines:
            found = [json.loads(line) for line in lines]
    except OSError:
        return []
    return [e for e in found if kind is None or e["kind"] == kind]


def powered_off():
    return os.path.exists(scratch + "/poweroff")


# The probes on this machine.
activity = agent_mod.Activity()
agent = FakeAgent({})
now = time.time()
check("terminals: the pty's last input (atime)", activity.terminals(agent, now)[0] == 1000)
check("jobs: none running", activity.jobs(agent, now)[0] == 0)
check("jupyter: none without a token", activity.jupyter(agent, now)[0] == 0)
check("setup: none without a setup log", activity.setup(agent, now)[0] == 0)
with open(home + "/.gpubox/setup.log", "a") as log:
    log.write("gpubox-phase-start framework\n")
os.utime(home + "/.gpubox/setup.log", (now - 5, now - 5))
check("setup: its log's last write", abs(activity.setup(agent, now)[0] - (now - 5)) < 0.01)
os.remove(home + "/.gpubox/setup.log")
# A setup session that prints nothing for a while is still use while its shell lives.
with open(home + "/.gpubox/setup.pid", "w") as pid_file:
    pid_file.write("%d\n" % os.getpid())
check("setup: a live session (setup.pid) is use now", activity.setup(agent, now)[0] == now)
with open(home + "/.gpubox/setup.pid", "w") as pid_file:
    pid_file.write("%d\n" % os.getppid())
os.utime(home + "/.gpubox/setup.pid", (1000, 1000))  # written before that process started
check("setup: not a process that started after the pid was written",
      activity.setup(agent, now)[0] == 0)
with open(home + "/.gpubox/setup.pid", "w") as pid_file:
    pid_file.write("999999999\n")
check("setup: not a pid that is gone", activity.setup(agent, now)[0] == 0)
os.remove(home + "/.gpubox/setup.pid")
# gpubox up making the box: in use until its first session of this launch, at most idle_boot_s.
check("making: nothing said without a launch token", activity.making(agent, now)[0] == 0)
with open(agent_mod.STATE_DIR + "/launch", "w") as launch:
    launch.write("gpubox-tok1\n")
check("making: in use until up's first session", activity.making(agent, now)[0] == now)
check("making: but not past idle_boot_s after the agent started",
      activity.making(FakeAgent({"idle_boot_s": 10}), now + 11)[0] == 0)
with open(home + "/.gpubox/prepared", "w") as prepared:
    prepared.write("gpubox-tok0\n")
check("making: a session of another launch (an image's) is not this one's",
      activity.making(agent, now)[0] == now)
with open(home + "/.gpubox/prepared", "w") as prepared:
    prepared.write("gpubox-tok1\n")
os.utime(home + "/.gpubox/prepared", (now - 7, now - 7))
check("making: then that session's time", abs(activity.making(agent, now)[0] - (now - 7)) < 0.01)
os.remove(agent_mod.STATE_DIR + "/launch")
os.remove(home + "/.gpubox/prepared")
# A process of the box (not the agent itself, whose own use never counts) that is there at
# both samples and spins between them.
go_r, go_w = os.pipe()
child = os.fork()
if child == 0:
    os.close(go_w)
    os.read(go_r, 1)
    spin_until = time.time() + 0.5
    while time.time() < spin_until:
        pass
    time.sleep(30)
    os._exit(0)
os.close(go_r)
activity.cpu_use(agent, now)
os.write(go_w, b"x")
time.sleep(0.7)
busy = FakeAgent({"idle_cpu": 0.001})
check("cpu: a process that used the CPU counts", activity.cpu_use(busy, time.time())[0] > 0)
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
check("ssh traffic: ss runs (no sshd connections here is fine)",
      activity.ssh_traffic(agent, time.time())[1] == "ssh-traffic")


class FakeActivity:
    last = 0

    def last_use(self, agent, now):
        return self.last, "test"


# IdleWatcher: warns, then powers off; a use in between cancels.
real_time = agent_mod.time.time
fake_now = [10000.0]
agent_mod.time.time = lambda: fake_now[0]
watcher = agent_mod.IdleWatcher()
watcher.activity = FakeActivity()
agent = FakeAgent({"idle_stop_s": 60, "idle_warn_s": 20})
check("idle watcher: polls at a quarter of the warning", watcher.interval_s(agent) == 5)
for t in (0, 30, 41):
    fake_now[0] = 10000.0 + t
    watcher.tick(agent)
check("idle watcher: the warning reached the terminal",
      "will be stopped" in open(agent_mod.PTS_DIR + "/0").read())
check("idle watcher: idle.json says when", json.load(open(agent_mod.RUN_DIR + "/idle.json"))[
    "stop_at"] == 10060.0)
watcher.activity.last = fake_now[0] = 10045.0
watcher.tick(agent)
check("idle watcher: used again, the warning is void", len(events("idle-cancelled")) == 1)
fake_now[0] = 10100.0
watcher.tick(agent)
check("idle watcher: no stop before the new deadline", not powered_off())
fake_now[0] = 10106.0
watcher.tick(agent)
check("idle watcher: stops (poweroff) after the duration unused",
      powered_off() and events("poweroff")[-1]["reason"].startswith("idle"))
os.remove(scratch + "/poweroff")
off = agent_mod.IdleWatcher()
off.activity = FakeActivity()
agent = FakeAgent({"idle_stop_s": 0})
for t in (0, 10 ** 6):
    fake_now[0] = 20000.0 + t
    off.tick(agent)
check("idle watcher: off never stops", not powered_off())
agent_mod.time.time = real_time

# BudgetWatcher: running time persisted across boots, 80% warning, stop when spent.
real_monotonic = agent_mod.time.monotonic
mono = [0.0]
agent_mod.time.monotonic = lambda: mono[0]
settings = {"price_hr": 3.6, "max_cost": 0.1, "idle_warn_s": 10, "budget_poll_s": 5}
agent = FakeAgent(settings)  # $0.1 at $3.6/h: 100 s
budget = agent_mod.BudgetWatcher()
check("budget: $0.1 at $3.6/h is 100 s", abs(budget.budget_s(agent) - 100) < 1e-6)
for t in range(0, 60, 5):
    mono[0] = t
    budget.tick(agent)
agent = FakeAgent(settings)  # a reboot: the counted time is on disk
check("budget: running time survives a reboot", abs(agent.state["run_s"] - 55) < 1e-6)
budget = agent_mod.BudgetWatcher()
for t in range(1000, 1030, 5):
    mono[0] = t
    budget.tick(agent)
check("budget: warned at 80%", any("80%" in e["text"] for e in events("warned")))
check("budget: not yet stopped", not powered_off())
for t in range(1030, 1050, 5):
    mono[0] = t
    budget.tick(agent)
check("budget: warned before the end, then powered off when spent",
      len(events("budget-warning")) == 2 and powered_off()
      and events("poweroff")[-1]["reason"].startswith("budget"))
os.remove(scratch + "/poweroff")
agent = FakeAgent({"max_hours": 0.01, "idle_warn_s": 10})  # 36 s, already spent
budget = agent_mod.BudgetWatcher()
mono[0] = 5000
budget.tick(agent)
check("budget: a box started with its budget spent is warned first", not powered_off())
mono[0] = 5011
budget.tick(agent)
check("budget: and stopped a warning's lead later", powered_off())
agent_mod.time.monotonic = real_monotonic
shutil.rmtree(scratch)
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)

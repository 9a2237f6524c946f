"""The agent's watchers against a fake IMDS and a scratch home, without a box (root: the agent
drops to the "box user", here the caller). Run by agent_logic_test.sh:
agent_logic_check.py AGENT_PY JOBS_SH."""
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

spec = importlib.util.spec_from_file_location("agent", sys.argv[1])
agent_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent_mod)
scratch = tempfile.mkdtemp(prefix="gpubox-agent-")
agent_mod.STATE_DIR, agent_mod.RUN_DIR = scratch + "/state", scratch + "/run"
agent_mod.PTS_DIR = scratch + "/pts"  # never this machine's terminals
for made in (agent_mod.STATE_DIR, agent_mod.RUN_DIR, agent_mod.PTS_DIR):
    os.makedirs(made)
with open(agent_mod.PTS_DIR + "/0", "w"):
    pass  # a "terminal"
os.makedirs(scratch + "/home/notebooks")
home = scratch + "/home"
os.makedirs(home + "/.gpubox/bin")
shutil.copy(sys.argv[2], home + "/.gpubox/bin/jobs.sh")
failures = []


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name, flush=True)
    if not ok:
        failures.append(name)


notice = {}


class FakeImds(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_PUT(self):
        self.reply(200, "tok" if self.path == "/latest/api/token" else "")

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != "tok":
            return self.reply(401, "")
        if self.path == "/latest/meta-data/spot/instance-action" and notice:
            return self.reply(200, json.dumps(notice))
        self.reply(404, "")


server = http.server.HTTPServer(("127.0.0.1", 0), FakeImds)
threading.Thread(target=server.serve_forever, daemon=True).start()


def start_job(job_id, command, restart="on-interruption", max_restarts="3"):
    env = dict(os.environ, HOME=home, GPUBOX_JOB_ACTION="start", GPUBOX_JOB_ID=job_id,
               GPUBOX_JOB_COMMAND=command, GPUBOX_JOB_RESTART=restart,
               GPUBOX_JOB_MAX_RESTARTS=max_restarts)
    subprocess.run(["bash", home + "/.gpubox/bin/jobs.sh"], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def make_agent():
    import pwd
    user = pwd.getpwuid(os.getuid()).pw_name
    agent = agent_mod.Agent(user, [agent_mod.SpotNoticeWatcher(), agent_mod.JobSupervisor()])
    agent.home = home
    agent.imds = agent_mod.Imds("127.0.0.1", server.server_address[1])
    return agent


def tick(agent):
    for watcher in agent.watchers:
        watcher.tick(agent)
    agent.first_tick_this_boot = False


def states(agent):
    return {job.id: job.state() for job in agent.jobs()}


def wait_state(agent, job_id, state, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline and states(agent).get(job_id) != state:
        time.sleep(0.05)
    return states(agent).get(job_id)


def events():
    with open(agent_mod.STATE_DIR + "/events.jsonl") as lines:
        return [json.loads(line) for line in lines]


with open(home + "/.gpubox/agent.conf", "w") as conf:
    conf.write("poll_s=0.5\njobs_s = 2\nbad=x\n")
agent = make_agent()
check("conf: numbers read, junk ignored",
      agent.conf("poll_s", 5) == 0.5 and agent.conf("jobs_s", 5) == 2 and agent.conf("bad", 7) == 7)

start_job("train", "trap 'echo saved > $GPUBOX_CHECKPOINT_DIR/ck; exit 143' TERM; sleep 30 & wait")
start_job("keep", "trap 'exit 143' TERM; sleep 30 & wait", restart="never")
start_job("flaky", "exit 3", restart="on-failure", max_restarts="2")
tick(agent)  # first tick of the boot: nothing to restart yet
check("no notice: jobs run", wait_state(agent, "train", "running") == "running")
notice.update(action="stop", time="2026-12-02T13:00:00Z")
agent.watchers[0].tick(agent)
check("a notice interrupts the running jobs (SIGTERM, marked)",
      wait_state(agent, "train", "interrupted") == "interrupted"
      and wait_state(agent, "keep", "interrupted") == "interrupted")
check("the job checkpointed on SIGTERM",
      open(home + "/.gpubox/checkpoints/train/ck").read() == "saved\n")
kinds = [event["kind"] for event in events()]
check("events: notice, jobs signalled, warned",
      "spot-notice" in kinds and "jobs-signalled" in kinds and "warned" in kinds)
signalled = [e for e in events() if e["kind"] == "jobs-signalled"][-1]
check("both running jobs signalled", sorted(signalled["jobs"]) == ["keep", "train"])
check("the terminal got the warning", "spot interruption" in open(agent_mod.PTS_DIR + "/0").read())
check("so did the notebook root", "spot interruption" in open(home + "/notebooks/GPUBOX-NOTICE.txt").read())
count = len(events())
agent.watchers[0].tick(agent)
check("the same notice is handled once", len(events()) == count)
agent = make_agent()  # a new boot: the handled notice is remembered on disk
agent.first_tick_this_boot = True
tick(agent)
check("after the boot: the interrupted job restarts, the 'never' one does not",
      states(agent)["train"] == "running" and states(agent)["keep"] == "interrupted")
check("the notice is gone from the notebook root after the boot",
      not os.path.exists(home + "/notebooks/GPUBOX-NOTICE.txt"))
check("the same notice is not handled again after the boot",
      [e["kind"] for e in events()].count("spot-notice") == 1)
for _ in range(4):
    wait_state(agent, "flaky", "failed")
    tick(agent)
time.sleep(0.3)
flaky = [job for job in agent.jobs() if job.id == "flaky"][0]
check("on-failure: restarted at most max_restarts times",
      flaky.failures == 2 and flaky.state() == "failed")
restarted = [e for e in events() if e["kind"] == "job-restarted"]
check("events: each restart",
      sorted(e["job"] for e in restarted) == ["flaky", "flaky", "train"])
for job in agent.jobs():
    if job.alive():
        os.killpg(int(job.pid), 9)
server.shutdown()
shutil.rmtree(scratch)
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)

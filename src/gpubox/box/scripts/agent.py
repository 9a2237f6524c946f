#!/usr/bin/python3
"""gpubox's on-box agent: one root process per box, started at every boot (the systemd unit
gpubox-agent.service on AWS images; the per-boot hook /var/lib/cloud/scripts/per-boot/ on
the local cloud; agent_install.sh installs both). Python 3 stdlib only.

It runs independent watchers, each a small class with `interval_s()` and `tick(agent)`; a
watcher that fails is recorded and the others go on. They share the Agent's tools: warn()
(every terminal and open notebook), record() (the box's events file), as_user() (a command
as the box user), jobs() (the box user's gpubox jobs) and conf() (the settings).

Files:
  /var/lib/gpubox/events.jsonl  one JSON object per line: t (UTC), ts (epoch s), kind, ...
  /var/lib/gpubox/agent.json    what must outlive a reboot: the notices already handled
  /run/gpubox-agent/            this boot only: lock, status.json, booted
  ~USER/.gpubox/agent.conf      KEY=VALUE settings, durations in seconds (setup writes it;
                                re-read when it changes): poll_s (IMDS, default 5), jobs_s (5)
  ~USER/.gpubox/bin/jobs.sh     the jobs' mechanics (left there by `gpubox run`), run as USER
  ~USER/notebooks/GPUBOX-NOTICE.txt  the last warning, shown by open notebooks (custom.js)
"""
import fcntl
import http.client
import json
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import sys
import time

STATE_DIR = "/var/lib/gpubox"
RUN_DIR = "/run/gpubox-agent"
PTS_DIR = "/dev/pts"  # every terminal: SSH sessions, tmux, Jupyter terminals
EVENTS_MAX_BYTES = 1 << 20


def utc(ts=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def read_small(path, limit=4096):
    """A regular file's text (never a fifo, device or symlink: the user owns these paths)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", "replace").strip()
    finally:
        os.close(fd)


def count(text, default):
    return int(text) if text and text.isdigit() else default


def write_atomic(path, text, mode=0o644):
    tmp = path + ".new"
    with open(tmp, "w") as out:
        out.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class Imds:
    """IMDSv2: a session token (PUT), then GETs that carry it; 401 renews the token."""

    def __init__(self, host="169.254.169.254", port=80, timeout_s=2.0):
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.token, self.token_until = None, 0.0

    def _call(self, method, path, headers):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            conn.request(method, path, headers=headers)
            reply = conn.getresponse()
            return reply.status, reply.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path):
        """(status, body) of /latest/meta-data/PATH; raises OSError when IMDS is unreachable."""
        for _ in range(2):
            if not self.token or time.time() > self.token_until:
                status, body = self._call(
                    "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
                if status != 200:
                    return status, body
                self.token, self.token_until = body, time.time() + 21000
            status, body = self._call("GET", "/latest/meta-data/" + path,
                                      {"X-aws-ec2-metadata-token": self.token})
            if status != 401:
                return status, body
            self.token = None
        return status, body


class Job:
    """A gpubox job as jobs.sh keeps it in ~/.gpubox/jobs/ID; state() follows its job_state."""

    def __init__(self, path):
        self.path, self.id = path, os.path.basename(path)
        get = lambda name: read_small(os.path.join(path, name))
        self.policy = get("restart") or "on-interruption"
        self.exit = get("exit")
        self.cancelled = get("cancelled") is not None
        self.interrupted = get("interrupted") is not None
        self.pid = get("pid")
        self.max_restarts = count(get("max_restarts"), 3)
        self.failures = count(get("failures"), 0)

    def alive(self):
        if not self.pid or not self.pid.isdigit():
            return False
        cmdline = read_small("/proc/%s/cmdline" % self.pid, 65536)
        return cmdline is not None and "\0" + self.path + "\0" in cmdline

    def state(self):
        if self.cancelled:
            return "cancelled"
        if self.interrupted and self.exit != "0":
            return "running" if self.alive() else "interrupted"
        if self.exit is not None:
            return "done" if self.exit == "0" else "failed"
        return "running" if self.alive() else "lost"


class Agent:
    def __init__(self, user, watchers):
        entry = pwd.getpwnam(user)
        self.user, self.uid, self.gid, self.home = user, entry.pw_uid, entry.pw_gid, entry.pw_dir
        self.watchers = watchers
        self.imds = Imds()
        self.settings, self.settings_mtime = {}, None
        self.state = json.loads(read_small(STATE_DIR + "/agent.json", 1 << 20) or "{}")
        self.first_tick_this_boot = not os.path.exists(RUN_DIR + "/booted")
        self.error_said = {}

    # --- shared tools -------------------------------------------------------------------
    def conf(self, key, default):
        """A number from agent.conf (re-read when it changes), else `default`."""
        path = self.home + "/.gpubox/agent.conf"
        try:
            mtime = os.lstat(path).st_mtime
        except OSError:
            mtime = None
        if mtime != self.settings_mtime:
            self.settings_mtime, self.settings = mtime, {}
            for line in (read_small(path) or "").splitlines():
                match = re.fullmatch(r"\s*([a-z_]+)\s*=\s*([0-9.]+)\s*", line)
                if match:
                    self.settings[match.group(1)] = float(match.group(2))
        return self.settings.get(key, default)

    def record(self, kind, **fields):
        now = time.time()
        line = json.dumps(dict(t=utc(now), ts=round(now, 3), kind=kind, **fields)) + "\n"
        path = STATE_DIR + "/events.jsonl"
        try:
            if os.path.getsize(path) > EVENTS_MAX_BYTES:
                with open(path) as old:
                    keep = old.readlines()[-1000:]
                write_atomic(path, "".join(keep))
        except OSError:
            pass
        with open(path, "a") as events:
            events.write(line)
        print(line, end="", flush=True)

    def save_state(self):
        write_atomic(STATE_DIR + "/agent.json", json.dumps(self.state), 0o600)

    def as_user(self, argv, env=None, timeout_s=60):
        """Runs argv as the box user in their home; (exit status, stdout)."""
        def drop():
            os.setsid()
            os.initgroups(self.user, self.gid)
            os.setgid(self.gid)
            os.setuid(self.uid)
        base = {"HOME": self.home, "USER": self.user, "LOGNAME": self.user, "LANG": "C.UTF-8",
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        base.update(env or {})
        run = subprocess.run(argv, env=base, cwd=self.home, preexec_fn=drop, timeout=timeout_s,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        return run.returncode, run.stdout

    def jobs(self):
        root = self.home + "/.gpubox/jobs"
        try:
            names = sorted(os.listdir(root))
        except OSError:
            return []
        found = []
        for name in names:
            path = os.path.join(root, name)
            if os.path.isdir(path) and not os.path.islink(path) and read_small(path + "/started"):
                found.append(Job(path))
        return found

    def job_action(self, action, job, reason, **more):
        """jobs.sh ACTION for one job, as the user; the marker lines it printed."""
        script = self.home + "/.gpubox/bin/jobs.sh"
        env = {"GPUBOX_JOB_ACTION": action, "GPUBOX_JOB_ID": job.id, "GPUBOX_JOB_REASON": reason}
        env.update(more)
        status, out = self.as_user(["bash", script], env)
        return [line for line in out.splitlines() if line.startswith("gpubox-")]

    def warn(self, text):
        """Writes `text` to every terminal (SSH sessions, tmux, Jupyter terminals: all are
        ptys) and leaves it where open notebooks show it; records what it reached."""
        banner = "\r\n\a*** gpubox on %s, %s: %s ***\r\n" % (socket.gethostname(), utc(), text)
        reached = 0
        for name in os.listdir(PTS_DIR):
            if not name.isdigit():
                continue
            try:
                fd = os.open(os.path.join(PTS_DIR, name),
                             os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.write(fd, banner.encode())
                reached += 1
            except OSError:
                pass
            finally:
                os.close(fd)
        self.set_notice("%s  %s" % (utc(), text))
        self.record("warned", terminals=reached, text=text)

    def set_notice(self, text):
        """The notice file in the notebook root (empty text: removed)."""
        script = ('cd ~/notebooks 2>/dev/null || exit 0; if [ -z "$1" ]; then '
                  'rm -f GPUBOX-NOTICE.txt; else printf "%s\\n" "$1" > .GPUBOX-NOTICE.new && '
                  'mv -f .GPUBOX-NOTICE.new GPUBOX-NOTICE.txt; fi')
        self.as_user(["sh", "-c", script, "notice", text])

    # --- the loop -----------------------------------------------------------------------
    def run(self):
        due = {watcher: 0.0 for watcher in self.watchers}
        while True:
            for watcher in self.watchers:
                if time.monotonic() >= due[watcher]:
                    try:
                        watcher.tick(self)
                    except Exception as error:  # one watcher's failure stops no other
                        self.said_error(type(watcher).__name__, error)
                    due[watcher] = time.monotonic() + max(0.2, watcher.interval_s(self))
            if self.first_tick_this_boot:
                self.first_tick_this_boot = False
                open(RUN_DIR + "/booted", "w").close()
            time.sleep(max(0.05, min(due.values()) - time.monotonic()))

    def said_error(self, watcher, error):
        text = "%s: %s" % (type(error).__name__, error)
        if self.error_said.get(watcher) != text:  # each new failure once
            self.error_said[watcher] = text
            self.record("watcher-error", watcher=watcher, error=text)


class SpotNoticeWatcher:
    """Polls IMDS spot/instance-action (404: none). On a new notice: SIGTERM to every running
    job's process group (their cue to checkpoint; jobs.sh marks them interrupted), then warns
    everyone. Each notice (action and time) is handled once, across reboots."""

    def interval_s(self, agent):
        return agent.conf("poll_s", 5)

    def tick(self, agent):
        status, body = agent.imds.get("spot/instance-action")
        if status != 200:
            return
        notice = json.loads(body)
        key = "%s@%s" % (notice.get("action"), notice.get("time"))
        handled = agent.state.setdefault("notices", [])
        if key in handled:
            return
        seen = time.time()
        handled.append(key)
        del handled[:-20]
        agent.save_state()
        agent.record("spot-notice", action=notice.get("action"), time=notice.get("time"))
        signalled = []
        for job in agent.jobs():
            if job.state() == "running":
                said = agent.job_action("interrupt", job, "spot notice: %s at %s" % (
                    notice.get("action"), notice.get("time")))
                if "gpubox-signalled " + job.id in said:
                    signalled.append(job.id)
        agent.record("jobs-signalled", jobs=signalled, after_s=round(time.time() - seen, 3))
        what = {"stop": "be stopped", "terminate": "be terminated",
                "hibernate": "hibernate"}.get(notice.get("action"), "be interrupted")
        jobs_said = ("; %d running job(s) got SIGTERM to checkpoint and restart when the box is "
                     "back" % len(signalled)) if signalled else ""
        agent.warn("spot interruption: this box will %s at %s%s. Save your work now." % (
            what, notice.get("time"), jobs_said))


class JobSupervisor:
    """Restarts jobs by their policy (jobs.sh's restart file): at the first tick of a boot,
    the ones the box went down under (interrupted, or lost: no exit status) unless 'never';
    at any tick, failed 'on-failure' jobs, at most max_restarts times."""

    def interval_s(self, agent):
        return agent.conf("jobs_s", 5)

    def tick(self, agent):
        if agent.first_tick_this_boot:
            agent.set_notice("")
            back = [job for job in agent.jobs()
                    if job.state() in ("interrupted", "lost") and job.policy != "never"]
            agent.record("boot", uptime_s=self.uptime_s(), jobs_to_restart=[j.id for j in back])
            for job in back:
                self.restart(agent, job, "the box is back after an interruption")
        for job in agent.jobs():
            if (job.policy == "on-failure" and job.state() == "failed"
                    and job.failures < job.max_restarts):
                self.restart(agent, job, "exit status %s" % job.exit, GPUBOX_JOB_FAILURE="1")

    @staticmethod
    def restart(agent, job, reason, **more):
        said = agent.job_action("restart", job, reason, **more)
        done = [line for line in said if line.startswith("gpubox-restarted ")]
        if done:
            agent.record("job-restarted", job=job.id, reason=reason,
                         restarts=int(done[0].split()[-1]))

    @staticmethod
    def uptime_s():
        return float((read_small("/proc/uptime") or "0").split()[0])


def main():
    user = sys.argv[sys.argv.index("--user") + 1] if "--user" in sys.argv else "ubuntu"
    os.makedirs(STATE_DIR, mode=0o755, exist_ok=True)
    os.makedirs(RUN_DIR, mode=0o755, exist_ok=True)
    lock = open(RUN_DIR + "/lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another agent runs this boot
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    agent = Agent(user, [SpotNoticeWatcher(), JobSupervisor()])
    write_atomic(RUN_DIR + "/status.json", json.dumps({"pid": os.getpid(), "started": utc()}))
    agent.record("agent-started", pid=os.getpid(), first_this_boot=agent.first_tick_this_boot)
    agent.run()


if __name__ == "__main__":
    sys.exit(main())

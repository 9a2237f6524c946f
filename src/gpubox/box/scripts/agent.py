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
  /var/lib/gpubox/agent.json    what must outlive a reboot: the notices already handled, the
                                running time the budget has counted (run_s)
  /run/gpubox-agent/            this boot only: lock, status.json, booted, idle.json (busy or
                                idle since when, and why)
  ~USER/.gpubox/agent.conf      KEY=VALUE settings, durations in seconds (setup writes it;
                                re-read when it changes): poll_s (IMDS, default 5), jobs_s (5);
                                idle: idle_stop_s (3600; 0 off), idle_warn_s (300), idle_poll_s
                                (30), idle_boot_s (600: longest wait for up's first session),
                                idle_terminate (0/1: what the shutdown does, for the
                                words), idle_cpu (0.2 CPUs), idle_gpu_pct (10), idle_net_kib_min
                                (64 KiB a minute through sshd); budget: price_hr (USD),
                                max_cost (USD), max_hours, budget_poll_s (10)
  ~USER/.gpubox/bin/jobs.sh     the jobs' mechanics (left there by `gpubox run`), run as USER
  ~USER/notebooks/GPUBOX-NOTICE.txt  the last warning, shown by open notebooks (custom.js)
"""
import datetime
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
POWEROFF = ["poweroff"]  # the OS shutdown; InstanceInitiatedShutdownBehavior says stop or terminate


def utc(ts=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def setup_session_alive(agent):
    """The process in ~/.gpubox/setup.pid lives, is the box user's, and started before the
    file was written (not a later process that got the number again)."""
    path = agent.home + "/.gpubox/setup.pid"
    pid = (read_small(path) or "").strip()
    if not pid.isdigit():
        return False
    try:
        written = os.lstat(path).st_mtime
        if os.stat("/proc/" + pid).st_uid != agent.uid:
            return False
        ticks = int((read_small("/proc/%s/stat" % pid) or "").rpartition(")")[2].split()[19])
        boot = next(int(line.split()[1]) for line in open("/proc/stat") if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return boot + ticks / os.sysconf("SC_CLK_TCK") <= written + 2


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
        self.pid = get("pid")
        # Alive first, the exit status second (as jobs.sh): the job's shell writes its status
        # before it ends, so a job seen gone has it on disk by then.
        self.was_alive = self.alive()
        self.policy = get("restart") or "on-interruption"
        self.exit = get("exit")
        self.cancelled = get("cancelled") is not None
        self.interrupted = get("interrupted") is not None
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
            return "running" if self.was_alive and self.exit is None else "interrupted"
        if self.exit is not None:
            return "done" if self.exit == "0" else "failed"
        return "running" if self.was_alive else "lost"


class Agent:
    def __init__(self, user, watchers):
        entry = pwd.getpwnam(user)
        self.user, self.uid, self.gid, self.home = user, entry.pw_uid, entry.pw_gid, entry.pw_dir
        self.watchers = watchers
        self.imds = Imds()
        self.settings, self.settings_mtime = {}, None
        self.state = json.loads(read_small(STATE_DIR + "/agent.json", 1 << 20) or "{}")
        self.first_tick_this_boot = not os.path.exists(RUN_DIR + "/booted")
        # When the agent first ran this boot (a restarted agent keeps it: no new grace).
        try:
            self.started = os.stat(RUN_DIR + "/booted").st_mtime
        except OSError:
            self.started = time.time()
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

    def power_off(self, why):
        """Shuts the OS down (the cloud then stops or terminates the instance, per the
        InstanceInitiatedShutdownBehavior set at launch); the state is saved first."""
        self.save_state()
        self.record("poweroff", reason=why)
        subprocess.run(POWEROFF, stdin=subprocess.DEVNULL, timeout=60)

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


def iso_ts(text):
    """Epoch seconds of Jupyter's ISO time ("2026-12-02T16:00:00.123456Z"), or 0."""
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return 0.0


class Window:
    """Amounts over the last window_s seconds (bytes moved, CPU seconds used)."""

    def __init__(self, window_s):
        self.window_s, self.samples = window_s, []

    def add(self, now, amount):
        """Adds an amount seen now; returns the window's total."""
        self.samples = [(t, a) for t, a in self.samples if t > now - self.window_s]
        self.samples.append((now, amount))
        return sum(a for _, a in self.samples)


class Activity:
    """The box's signs of use, each probe on its own (tests replace them). A probe returns
    (when, why): the last time it saw use (now while it lasts; 0 for none) and a word."""

    def __init__(self, window_s=60):
        self.cpu, self.net, self.sampled = {}, {}, None
        self.cpu_used, self.net_moved = Window(window_s), Window(window_s)

    def jupyter(self, agent, now):
        """Kernels busy (or starting) or with execution activity, terminals typed in
        (Jupyter's API, with the box's token); nothing when Jupyter is not running."""
        token = read_small(agent.home + "/.gpubox/jupyter.token")
        if not token:
            return 0, "jupyter"
        last = 0.0
        for path in ("/api/kernels", "/api/terminals"):
            conn = http.client.HTTPConnection("127.0.0.1", 8888, timeout=10)
            try:
                conn.request("GET", path, headers={"Authorization": "token " + token})
                reply = conn.getresponse()
                items = json.loads(reply.read() or b"[]") if reply.status == 200 else []
            except socket.timeout:
                # Running but too busy to answer: never stop a notebook we cannot read.
                return now, "jupyter"
            except (OSError, ValueError):
                items = []
            finally:
                conn.close()
            for item in items if isinstance(items, list) else []:
                # A kernel still starting (or restarting) has a cell waiting for it.
                busy = item.get("execution_state") in (
                    "busy", "starting", "restarting", "autorestarting")
                last = max(last, now if busy else iso_ts(item.get("last_activity")))
        return last, "jupyter"

    @staticmethod
    def setup(agent, now):
        """A setup session running (its shell, whose pid phases.sh leaves in
        ~/.gpubox/setup.pid, alive: a phase may print nothing for minutes), else its log's
        last write: the box is being made, not left idle."""
        if setup_session_alive(agent):
            return now, "setup"
        try:
            return min(os.stat(agent.home + "/.gpubox/setup.log").st_mtime, now), "setup"
        except OSError:
            return 0, "setup"

    @staticmethod
    def making(agent, now):
        """`gpubox up` making the box: in use until up's first session of this launch (the
        user data leaves the launch's token in /var/lib/gpubox/launch; prepare.sh writes it
        to ~/.gpubox/prepared), for at most idle_boot_s (600) after the agent first ran this
        boot, so that an up that died before it leaves no box up for ever; then that
        session's time. A slow boot on a loaded host must not be taken for an unused box."""
        path = agent.home + "/.gpubox/prepared"
        launch = (read_small(STATE_DIR + "/launch") or "").strip()
        if launch and (read_small(path) or "").strip() != launch:
            fresh = now - agent.started < agent.conf("idle_boot_s", 600)
            return (now if fresh else 0), "making"
        try:
            return min(os.lstat(path).st_mtime, now), "making"
        except OSError:
            return 0, "making"

    @staticmethod
    def jobs(agent, now):
        return (now if any(job.state() == "running" for job in agent.jobs()) else 0), "job"

    @staticmethod
    def terminals(agent, now):
        """The newest input on a terminal (a pty's atime is when it was last read: typing;
        the agent's own warnings only write)."""
        last = 0.0
        for name in os.listdir(PTS_DIR):
            if name.isdigit():
                try:
                    last = max(last, os.stat(os.path.join(PTS_DIR, name)).st_atime)
                except OSError:
                    pass
        return min(last, now), "terminal"

    def ssh_traffic(self, agent, now):
        """Bytes through sshd's connections (port 22: sessions, tunnels) in the last minute,
        above idle_net_kib_min: an idle forwarded notebook tab's pings and a `gpubox` command
        now and then stay below it."""
        try:
            out = subprocess.run(["ss", "-tinH", "state", "established", "( sport = :22 )"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return 0, "ssh-traffic"
        seen, key, moved = {}, None, 0
        for line in out.splitlines():
            if not line.startswith((" ", "\t")):
                key = " ".join(line.split()[-2:])
                continue
            total = sum(int(n) for n in re.findall(r"bytes_(?:acked|received):(\d+)", line))
            if key:
                seen[key] = total
                moved += total - self.net.get(key, 0)
        self.net = seen
        per_min = self.net_moved.add(now, moved) * 60.0 / self.net_moved.window_s
        return (now if per_min > agent.conf("idle_net_kib_min", 64) * 1024 else 0), "ssh-traffic"

    def cpu_use(self, agent, now):
        """CPUs used by the box's processes (not the agent's) over the last minute: their
        user+system time, reaped children's included (/proc/PID/stat), above idle_cpu."""
        ticks, used = {}, 0
        hz = os.sysconf("SC_CLK_TCK")
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            fields = (read_small("/proc/%s/stat" % pid) or "").rpartition(")")[2].split()
            if len(fields) < 20:
                continue
            key, total = pid + "/" + fields[19], sum(int(f) for f in fields[11:15])
            ticks[key] = total
            used += total - self.cpu.get(key, total if self.sampled is None else 0)
        self.cpu = ticks
        cpus = self.cpu_used.add(now, used / hz) / self.cpu_used.window_s
        return (now if cpus > agent.conf("idle_cpu", 0.2) else 0), "cpu"

    @staticmethod
    def gpu(agent, now):
        """Any GPU above idle_gpu_pct utilisation (nvidia-smi, where there is one)."""
        if not any(os.access(os.path.join(d, "nvidia-smi"), os.X_OK)
                   for d in os.environ.get("PATH", "/usr/bin").split(":")):
            return 0, "gpu"
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu",
                                  "--format=csv,noheader,nounits"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return 0, "gpu"
        loads = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", out)]
        return (now if loads and max(loads) > agent.conf("idle_gpu_pct", 10) else 0), "gpu"

    def last_use(self, agent, now):
        """(the newest sign of use, its kind)."""
        signs = [self.making(agent, now), self.setup(agent, now), self.jobs(agent, now),
                 self.terminals(agent, now), self.jupyter(agent, now),
                 self.ssh_traffic(agent, now), self.cpu_use(agent, now), self.gpu(agent, now)]
        self.sampled = now
        return max(signs)


class IdleClock:
    """Idle since the newest sign of use; says when to warn (warn_s before the stop), when
    to stop (stop_s idle), and when a warning is void (used again). Pure: tests drive it."""

    def __init__(self, now):
        self.idle_since, self.warned, self.stop_s = now, False, None

    def step(self, now, last_use, stop_s, warn_s):
        changed, self.stop_s = self.stop_s is not None and stop_s != self.stop_s, stop_s
        if last_use > self.idle_since or stop_s <= 0 or changed:
            # Used again, off, or a new duration (`gpubox idle`): idleness counts anew.
            self.idle_since = now if stop_s <= 0 or changed else min(last_use, now)
            if self.warned:
                self.warned = False
                return "cancel"
        if stop_s <= 0:
            return None
        idle = now - self.idle_since
        if idle >= stop_s:
            return "stop"
        if not self.warned and idle >= stop_s - warn_s:
            self.warned = True
            return "warn"
        return None


class IdleWatcher:
    """Stops the box after idle_stop_s without use (Activity): a warning idle_warn_s before,
    on every terminal and in the notebook root, then an OS shutdown."""

    def __init__(self):
        self.activity, self.clock = Activity(), None

    def interval_s(self, agent):
        """idle_poll_s, or less when the durations are shorter (so the stop is on time)."""
        durations = [d for d in (agent.conf("idle_stop_s", 3600), agent.conf("idle_warn_s", 300))
                     if d > 0]
        return min([agent.conf("idle_poll_s", 30)] + [max(1.0, d / 4) for d in durations])

    def tick(self, agent):
        now = time.time()
        stop_s, warn_s = agent.conf("idle_stop_s", 3600), agent.conf("idle_warn_s", 300)
        last, kind = self.activity.last_use(agent, now)
        if self.clock is None:
            self.clock = IdleClock(now)
        action = self.clock.step(now, last, stop_s, warn_s)
        write_atomic(RUN_DIR + "/idle.json", json.dumps(dict(
            idle_since=round(self.clock.idle_since, 3), last_use=kind if last else None,
            stop_s=stop_s, stop_at=round(self.clock.idle_since + stop_s, 3) if stop_s else None)))
        what = "terminated (its disk deleted)" if agent.conf("idle_terminate", 0) else "stopped"
        if action == "warn":
            agent.record("idle-warning", idle_s=round(now - self.clock.idle_since, 1))
            agent.warn("idle for %s: this box will be %s at %s unless it is used "
                       "(gpubox idle NAME off keeps it up)" % (
                           span(now - self.clock.idle_since), what,
                           utc(self.clock.idle_since + stop_s)))
        elif action == "cancel":
            agent.record("idle-cancelled", used=kind)
            agent.set_notice("")
        elif action == "stop":
            agent.warn("idle for %s: this box is being %s now" % (span(stop_s), what))
            agent.power_off("idle for %d s" % round(now - self.clock.idle_since))


def span(seconds):
    seconds = int(round(seconds))
    return "%d min" % (seconds // 60) if seconds >= 120 else "%d s" % seconds


class BudgetWatcher:
    """Counts the box's running time across boots (agent.json run_s); with max_cost (USD, at
    price_hr) or max_hours, warns at 80% and idle_warn_s before the end, then shuts the OS
    down when the budget is spent. A box started again with its budget spent warns, then
    stops idle_warn_s later."""

    def __init__(self):
        self.last, self.said = None, set()

    def interval_s(self, agent):
        return agent.conf("budget_poll_s", 10)

    @staticmethod
    def budget_s(agent):
        limits = []
        if agent.conf("max_hours", 0) > 0:
            limits.append(agent.conf("max_hours", 0) * 3600)
        if agent.conf("max_cost", 0) > 0 and agent.conf("price_hr", 0) > 0:
            limits.append(agent.conf("max_cost", 0) / agent.conf("price_hr", 0) * 3600)
        return min(limits) if limits else None

    def tick(self, agent):
        now = time.monotonic()
        step = 0 if self.last is None else min(now - self.last, 3 * self.interval_s(agent) + 60)
        self.last = now
        used = agent.state.get("run_s", 0.0) + step
        agent.state["run_s"] = used
        agent.save_state()
        budget = self.budget_s(agent)
        if budget is None:
            return
        price = agent.conf("price_hr", 0)
        cost = " ($%.2f of $%.2f)" % (used / 3600 * price, agent.conf("max_cost", 0)) \
            if agent.conf("max_cost", 0) > 0 and price > 0 else ""
        warn_s = agent.conf("idle_warn_s", 300)
        if used >= budget and "final" in self.said and now >= self.final_at:
            agent.warn("budget spent: %s of %s running%s; the box is shutting down" % (
                span(used), span(budget), cost))
            agent.power_off("budget spent: %d s of %d s" % (used, budget))
        elif used >= budget - warn_s and "final" not in self.said:
            self.said.add("final")
            self.final_at = now + max(0, budget - used) if used < budget else now + warn_s
            agent.record("budget-warning", used_s=round(used), budget_s=round(budget))
            agent.warn("budget: %s of %s used%s; this box shuts down in %s" % (
                span(used), span(budget), cost, span(self.final_at - now)))
        elif used >= 0.8 * budget and "80" not in self.said:
            self.said.add("80")
            agent.record("budget-warning", used_s=round(used), budget_s=round(budget))
            agent.warn("budget: 80%% used (%s of %s%s)" % (span(used), span(budget), cost))


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
    agent = Agent(user, [SpotNoticeWatcher(), JobSupervisor(), IdleWatcher(), BudgetWatcher()])
    write_atomic(RUN_DIR + "/status.json", json.dumps({"pid": os.getpid(), "started": utc()}))
    agent.record("agent-started", pid=os.getpid(), first_this_boot=agent.first_tick_this_boot)
    agent.run()


if __name__ == "__main__":
    sys.exit(main())

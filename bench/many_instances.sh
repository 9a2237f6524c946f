#!/usr/bin/env bash
# Many local instances at once (root): one RunInstances of COUNT (default 20) on a private
# local cloud, timed from the call until every instance answers SSH (its sshd's banner on
# port 22), while another client keeps calling DescribeRegions (the endpoint must keep
# answering: its slowest answer is printed). Then the memory each instance costs (the RSS
# of every process in its network namespace) and the time to terminate them all.
# Measured, never asserted. Usage: bench/many_instances.sh [GPUBOX_BINARY] [COUNT]
set -uo pipefail
gpubox=$(realpath "${1:-build/gpubox}")
count=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/../tests/e2e/local_cloud_env.sh"
"$gpubox" local fault --capacity "g4dn.xlarge=$((count + 8))" \
  --quota "L-DB2E81BA/us-east-1=$((count * 4 + 64))" >/dev/null
ENDPOINT=$ENDPOINT ACCESS_KEY=$ACCESS_KEY SECRET_KEY=$SECRET_KEY PREFIX=$prefix COUNT=$count \
  BRIDGE_IP=$bridge_ip /usr/bin/python3 - <<'PY'
import os, socket, statistics, subprocess, threading, time
import botocore.session

session = botocore.session.get_session()
ec2 = session.create_client(
    "ec2", region_name="us-east-1", endpoint_url=os.environ["ENDPOINT"],
    aws_access_key_id=os.environ["ACCESS_KEY"], aws_secret_access_key=os.environ["SECRET_KEY"])
count = int(os.environ["COUNT"])
ami = ec2.describe_images(Owners=["amazon"], Filters=[
    {"Name": "name", "Values": ["Deep Learning*"]}])["Images"][0]["ImageId"]
group = ec2.create_security_group(GroupName="bench-many", Description="bench")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
    "IpRanges": [{"CidrIp": os.environ["BRIDGE_IP"] + "/32"}]}])

latencies, stop = [], threading.Event()
def other_client():  # another caller of the same endpoint meanwhile
    client = session.create_client(
        "ec2", region_name="us-east-1", endpoint_url=os.environ["ENDPOINT"],
        aws_access_key_id=os.environ["ACCESS_KEY"], aws_secret_access_key=os.environ["SECRET_KEY"])
    while not stop.is_set():
        began = time.monotonic()
        client.describe_regions()
        latencies.append(time.monotonic() - began)
        time.sleep(0.1)  # a lively other caller, not one that starves what is measured
watcher = threading.Thread(target=other_client)
watcher.start()

def answers_ssh(ip):
    try:
        with socket.create_connection((ip, 22), timeout=0.2) as sock:
            sock.settimeout(0.5)
            return sock.recv(64).startswith(b"SSH-")
    except OSError:
        return False

def cpu_seconds():  # busy CPU time of the whole machine so far (every core)
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

start, cpu_start = time.monotonic(), cpu_seconds()
reply = ec2.run_instances(ImageId=ami, InstanceType="g4dn.xlarge", MinCount=count,
                          MaxCount=count, SecurityGroupIds=[group])
ids = [instance["InstanceId"] for instance in reply["Instances"]]
call_s = time.monotonic() - start
# The addresses come from DescribeInstances (10 times a second); each known address is
# probed every 20 ms until its sshd sends its banner.
answering, ips, described = set(), {}, 0.0
while len(answering) < count and time.monotonic() - start < 120:
    if len(ips) < count and time.monotonic() - described >= 0.1:
        described = time.monotonic()
        for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
            for instance in reservation["Instances"]:
                if instance.get("PrivateIpAddress"):
                    ips[instance["InstanceId"]] = instance["PrivateIpAddress"]
    for instance_id, ip in ips.items():
        if instance_id not in answering and answers_ssh(ip):
            answering.add(instance_id)
    time.sleep(0.02)
all_s = time.monotonic() - start
cpu_s = cpu_seconds() - cpu_start
if len(answering) < count:
    states = [i["State"]["Name"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
              for i in r["Instances"]]
    print(f"not answering after {all_s:.0f} s: {count - len(answering)}; states: {states}")
stop.set()
watcher.join()

rss_kib = []
for instance_id in ids:
    ns = os.environ["PREFIX"] + "-" + instance_id
    pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    rss_kib.append(total)

began = time.monotonic()
ec2.terminate_instances(InstanceIds=ids)
while time.monotonic() - began < 120:
    states = [i["State"]["Name"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
              for i in r["Instances"]]
    if all(state == "terminated" for state in states):
        break
    time.sleep(0.05)
terminate_s = time.monotonic() - began
print(f"RunInstances of {count}: answered in {call_s:.3f} s")
print(f"all {len(answering)}/{count} answering SSH: {all_s:.2f} s after the call")
print(f"CPU meanwhile (all cores, everything on the machine): {cpu_s:.2f} s, "
      f"{cpu_s / count * 1000:.0f} ms per instance")
print(f"per-instance RSS: mean {statistics.mean(rss_kib) / 1024:.1f} MiB, "
      f"max {max(rss_kib) / 1024:.1f} MiB")
print(f"endpoint meanwhile: {len(latencies)} DescribeRegions, median "
      f"{statistics.median(latencies) * 1000:.1f} ms, slowest {max(latencies) * 1000:.1f} ms")
print(f"terminate all: {terminate_s:.2f} s")
PY

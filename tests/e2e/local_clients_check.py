"""Real EC2 clients nobody here wrote drive the local cloud end to end.

Usage: local_clients_check.py ENDPOINT ACCESS_KEY SECRET_KEY PUBLIC_KEY_FILE.
Debian's /usr/bin/python3 (python3-boto3, python3-libcloud).
 - boto3: regions, zones, key pairs, placement groups, groups, the resource API
   (create_instances, wait_until_running), waiters, paginators, stop, start,
   image, terminate, DryRun, ClientToken idempotency under concurrent callers,
   bad input refused with EC2's codes and not poisoning later launches;
 - Apache Libcloud's EC2 driver (GET requests, SigV4 in the header): the
   same workflow through its own calls.
Prints one line per check; exits non-zero when one fails.
"""
import concurrent.futures
import sys
import urllib.parse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from libcloud.compute.base import NodeSize
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider

endpoint, access_key, secret_key, public_key_file = sys.argv[1:5]
public_key = open(public_key_file).read().strip()
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f"  ({detail})"))
    if not condition:
        failures += 1


def code_of(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


region = "us-west-2"
config = Config(retries={"max_attempts": 2}, max_pool_connections=32)
session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                region_name=region)
ec2 = session.client("ec2", endpoint_url=endpoint, config=config)
resource = session.resource("ec2", endpoint_url=endpoint, config=config)
fast = {"Delay": 1, "MaxAttempts": 60}

# ---- boto3
check("boto3: regions", len(ec2.describe_regions()["Regions"]) == 3)
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
check("boto3: zones of us-west-2", zones == ["us-west-2a", "us-west-2b", "us-west-2c"], zones)
ami = ec2.describe_images(Owners=["amazon"], Filters=[
    {"Name": "name", "Values": ["ubuntu/images/*"]}])["Images"][0]["ImageId"]
ec2.import_key_pair(KeyName="boto", PublicKeyMaterial=public_key.encode())
created = ec2.create_key_pair(KeyName="made", KeyType="ed25519")
check("boto3: key pairs", {k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]}
      == {"boto", "made"} and "OPENSSH PRIVATE KEY" in created["KeyMaterial"])
made = ec2.create_placement_group(GroupName="ring", Strategy="cluster", TagSpecifications=[
    {"ResourceType": "placement-group", "Tags": [{"Key": "team", "Value": "a"}]}])
ring = ec2.describe_placement_groups(GroupNames=["ring"])["PlacementGroups"][0]
check("boto3: placement group", ring["Strategy"] == "cluster" and ring["State"] == "available"
      and ring["GroupId"].startswith("pg-") and ring["Tags"] == [{"Key": "team", "Value": "a"}]
      and made["PlacementGroup"]["GroupId"] == ring["GroupId"], (made, ring))
check("unknown placement group refused", code_of(lambda: ec2.describe_placement_groups(
    GroupNames=["none"])) == "InvalidPlacementGroup.Unknown")
ec2.delete_placement_group(GroupName="ring")
check("boto3: placement group deleted", ec2.describe_placement_groups()["PlacementGroups"] == [])
group = ec2.create_security_group(GroupName="web", Description="web servers")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
check("bad CIDR refused", code_of(lambda: ec2.authorize_security_group_ingress(
    GroupId=group, IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="10.0.0.0/33"))
    == "InvalidParameterValue")
check("reversed port range refused", code_of(lambda: ec2.authorize_security_group_ingress(
    GroupId=group, IpProtocol="tcp", FromPort=90, ToPort=80, CidrIp="10.0.0.0/8"))
    == "InvalidParameterValue")
check("unknown protocol refused", code_of(lambda: ec2.authorize_security_group_ingress(
    GroupId=group, IpProtocol="bogus", FromPort=1, ToPort=2, CidrIp="10.0.0.0/8"))
    == "InvalidParameterValue")
check("two keys in one material refused", code_of(lambda: ec2.import_key_pair(
    KeyName="two", PublicKeyMaterial=(public_key + "\n" + public_key).encode()))
    == "InvalidKey.Format")
check("user data over 16 KiB refused", code_of(lambda: ec2.run_instances(
    ImageId=ami, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1, UserData="x" * 17000))
    == "InvalidParameterValue")
check("volume below the snapshot refused", code_of(lambda: ec2.run_instances(
    ImageId=ami, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1, BlockDeviceMappings=[
        {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 2}}])) == "InvalidBlockDeviceMapping")
check("malformed image id refused", code_of(lambda: ec2.run_instances(
    ImageId="ami-nope", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1))
    == "InvalidAMIID.Malformed")
check("DryRun: DryRunOperation", code_of(lambda: ec2.run_instances(
    ImageId=ami, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1, DryRun=True))
    == "DryRunOperation")
check("nothing launched by refused requests",
      ec2.describe_instances()["Reservations"] == [])

instances = resource.create_instances(ImageId=ami, InstanceType="g4dn.xlarge", MinCount=2,
                                      MaxCount=2, KeyName="boto", SecurityGroupIds=[group],
                                      UserData="#!/bin/sh\necho hi\n")
for instance in instances:
    instance.wait_until_running(WaiterConfig=fast)
    instance.reload()
check("resource API: 2 instances running in the group (no poisoned rule)",
      [i.state["Name"] for i in instances] == ["running", "running"]
      and all(i.security_groups[0]["GroupId"] == group for i in instances))
ids = [i.id for i in instances]

token_call = dict(ImageId=ami, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
                  ClientToken="same-token-for-all")
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    answers = list(pool.map(lambda _: ec2.run_instances(**token_call)["Instances"][0][
        "InstanceId"], range(32)))
tokened = ec2.describe_instances(Filters=[{"Name": "client-token",
                                           "Values": ["same-token-for-all"]}])
made = [i["InstanceId"] for r in tokened["Reservations"] for i in r["Instances"]]
check("ClientToken: 32 concurrent callers, one instance", len(set(answers)) == 1
      and made == [answers[0]], (set(answers), made))
ids.append(answers[0])

paginator = ec2.get_paginator("describe_instances")
pages = list(paginator.paginate(PaginationConfig={"PageSize": 1}))
seen = [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]
check("paginator: one instance per page, all seen", len(pages) >= 3 and sorted(seen) == sorted(ids),
      (len(pages), seen))
types = [t for p in ec2.get_paginator("describe_instance_types").paginate(
    PaginationConfig={"PageSize": 20}) for t in p["InstanceTypes"]]
check("paginator: instance types", len(types) > 20)

ec2.stop_instances(InstanceIds=ids[:1])
ec2.get_waiter("instance_stopped").wait(InstanceIds=ids[:1], WaiterConfig=fast)
check("waiter: instance_stopped", True)
ec2.start_instances(InstanceIds=ids[:1])
ec2.get_waiter("instance_running").wait(InstanceIds=ids[:1], WaiterConfig=fast)
check("waiter: instance_running after start", True)
volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id",
                                         "Values": ids[:1]}])["Volumes"]
check("boto3: the instance's root volume", len(volumes) == 1
      and volumes[0]["State"] == "in-use" and volumes[0]["Size"] > 0
      and volumes[0]["Attachments"][0]["InstanceId"] == ids[0], volumes)
check("volume in use is not deleted", code_of(lambda: ec2.delete_volume(
    VolumeId=volumes[0]["VolumeId"])) == "VolumeInUse")
image = ec2.create_image(InstanceId=ids[0], Name="boto image (1)", TagSpecifications=[
    {"ResourceType": "snapshot", "Tags": [{"Key": "made-by", "Value": "boto"}]}])["ImageId"]
ec2.get_waiter("image_available").wait(ImageIds=[image], WaiterConfig=fast)
check("waiter: image_available", True)
snapshot_id = ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0][
    "Ebs"]["SnapshotId"]
ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id], WaiterConfig=fast)
snapshots = [s for p in ec2.get_paginator("describe_snapshots").paginate(
    OwnerIds=["self"], Filters=[{"Name": "tag:made-by", "Values": ["boto"]}]) for s in p["Snapshots"]]
check("boto3: the image's snapshot, tagged, completed (waiter, paginator)",
      [s["SnapshotId"] for s in snapshots] == [snapshot_id]
      and snapshots[0]["VolumeId"] == volumes[0]["VolumeId"]
      and snapshots[0]["Progress"] == "100%", snapshots)
check("snapshot of a registered image is not deleted", code_of(lambda: ec2.delete_snapshot(
    SnapshotId=snapshot_id)) == "InvalidSnapshot.InUse")
ec2.terminate_instances(InstanceIds=ids)
ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig=fast)
check("waiter: instance_terminated", True)
check("volumes go with their instances", ec2.describe_volumes(
    Filters=[{"Name": "attachment.instance-id", "Values": ids}])["Volumes"] == [])
ec2.deregister_image(ImageId=image)
check("the snapshot outlives its image", ec2.describe_snapshots(
    SnapshotIds=[snapshot_id])["Snapshots"][0]["State"] == "completed")
ec2.delete_snapshot(SnapshotId=snapshot_id)
check("snapshot deleted", code_of(lambda: ec2.describe_snapshots(
    SnapshotIds=[snapshot_id])) == "InvalidSnapshot.NotFound")

# ---- Apache Libcloud
url = urllib.parse.urlsplit(endpoint)
Driver = get_driver(Provider.EC2)
driver = Driver(access_key, secret_key, region="us-east-1", host=url.hostname, port=url.port,
                secure=False, signature_version="4")
check("libcloud: regions", "us-east-1" in Driver.list_regions())
zones = [z.name for z in driver.ex_list_availability_zones()]
check("libcloud: zones", zones == ["us-east-1a", "us-east-1b", "us-east-1c"], zones)
driver.import_key_pair_from_string("cloud", public_key)
check("libcloud: key pairs", [k.name for k in driver.list_key_pairs()] == ["cloud"])
group = driver.ex_create_security_group("lc", "libcloud group")["group_id"]
driver.ex_authorize_security_group_ingress(group, 22, 22, cidr_ips=["127.0.0.1/32"])
check("libcloud: group with a rule",
      int(driver.ex_get_security_groups(group_ids=[group])[0].ingress_rules[0]["from_port"]) == 22)
images = driver.list_images(ex_owner="amazon")
image = [i for i in images if i.name.startswith("ubuntu/")][0]
size = NodeSize(id="g4dn.xlarge", name="g4dn.xlarge", ram=16384, disk=125, bandwidth=None,
                price=None, driver=driver)
node = driver.create_node(name="lc-node", size=size, image=image, ex_keyname="cloud",
                          ex_security_groups=["lc"])


def node_state(node_id):
    return [n for n in driver.list_nodes(ex_node_ids=[node_id])][0].extra["status"]


import time  # noqa: E402

for _ in range(100):
    if node_state(node.id) == "running":
        break
    time.sleep(0.2)
check("libcloud: create_node runs, tagged Name", node_state(node.id) == "running"
      and driver.list_nodes(ex_node_ids=[node.id])[0].name == "lc-node")
check("libcloud: stop_node", driver.stop_node(node))
for _ in range(100):
    if node_state(node.id) == "stopped":
        break
    time.sleep(0.2)
check("libcloud: stopped", node_state(node.id) == "stopped")
check("libcloud: start_node", driver.start_node(node))
for _ in range(100):
    if node_state(node.id) == "running":
        break
    time.sleep(0.2)
check("libcloud: running again", node_state(node.id) == "running")
made = driver.create_image(node, "libcloud-image")
check("libcloud: create_image", made.id.startswith("ami-"))
check("libcloud: destroy_node", driver.destroy_node(node))
check("libcloud: delete_key_pair", driver.delete_key_pair(driver.list_key_pairs()[0]))

sys.exit(1 if failures else 0)

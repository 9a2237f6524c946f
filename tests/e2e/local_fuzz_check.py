"""A protocol fuzz test of the local cloud (property-based, seeded).

Usage: local_fuzz_check.py ENDPOINT ACCESS_KEY SECRET_KEY COUNT SEED SNAPSHOT_OUT.
Sends COUNT random and mutated EC2 requests (names, values, encodings, both
transports, signed in the header, presigned, unsigned, garbage) and asserts
for every answer: no 5xx (but EC2's own InsufficientInstanceCapacity), every
non-200 is an EC2 error document botocore parses, and at the end: the daemon
still answers, and the instances that exist are exactly those that 200
RunInstances answers made, with the spot service's replacements for their
persistent requests (nothing launches from a refused request). Writes
a canonical snapshot of the stored state (every region's instances, groups,
key pairs, images) to SNAPSHOT_OUT, for the caller to compare after a
restart (local_fuzz_check.py snapshot ENDPOINT ACCESS_KEY SECRET_KEY OUT).
"""
import base64
import collections
import http.client
import json
import random
import socket
import sys
import time
import urllib.parse

import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.parsers import QueryParser

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def clients(endpoint, access_key, secret_key):
    session = botocore.session.get_session()
    return {r: session.create_client("ec2", region_name=r, endpoint_url=endpoint,
                                     aws_access_key_id=access_key,
                                     aws_secret_access_key=secret_key,
                                     config=Config(retries={"max_attempts": 1}))
            for r in REGIONS}


def settle(ec2s, timeout=60):
    """Waits until no instance or image is between states."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        busy = False
        for client in ec2s.values():
            for reservation in client.describe_instances()["Reservations"]:
                for instance in reservation["Instances"]:
                    busy |= instance["State"]["Name"] in ("pending", "stopping", "shutting-down")
            for image in client.describe_images(Owners=["self"])["Images"]:
                busy |= image["State"] == "pending"
        if not busy:
            return
        time.sleep(0.2)


def snapshot(ec2s):
    settle(ec2s)
    state = {}
    for region, client in ec2s.items():
        instances = [i for r in client.describe_instances()["Reservations"] for i in r["Instances"]]
        state[region] = {
            "instances": sorted(instances, key=lambda i: i["InstanceId"]),
            "groups": sorted(client.describe_security_groups()["SecurityGroups"],
                             key=lambda g: g["GroupId"]),
            "keys": sorted(client.describe_key_pairs()["KeyPairs"], key=lambda k: k["KeyPairId"]),
            "images": sorted(client.describe_images(Owners=["self"])["Images"],
                             key=lambda i: i["ImageId"]),
        }
    return json.dumps(state, sort_keys=True, default=str, indent=1)


HOSTILE = ["", " ", "-1", "0", "1", "2", "65535", "65536", "-2", "99999999999999999999", "1e3",
           "0x10", "true", "false", "TRUE", "null", "NaN", "inf", "tcp", "udp", "icmp", "all",
           "256", "10.0.0.0/8", "10.0.0.0/33", "300.1.1.1/8", "::/0", "2001:db8::1/64", "a" * 300,
           "x" * 5000, "\x00", "\x01\x02\x1b[31m", "\ud7ff\ue000", "é", "<tag>&amp;", "]]>",
           "%00", "%zz", "i-", "i-0123456789abcdef0", "i-zzzzzzzz", "ami-", "ami-12345678",
           "sg-", "sg-00000000", "key-0123456789abcdef0", "us-east-1a", "us-west-2b", "eu-west-9z",
           "g4dn.xlarge", "p3.2xlarge", "t9.nano", "spot", "required", "optional", "stop",
           "terminate", "hibernate", "gp3", "io2", "st1", "bogus", "aGk=", "!!!notbase64",
           base64.b64encode(b"#!/bin/sh\necho hi\n").decode(), "ssh-ed25519 AAAA", "aws:x",
           "self", "amazon", "*", "?", "gpbx-1", "gpbx--5", "0.001", "5", "1000", "1001"]

NAMES = ["Action", "Version", "ImageId", "InstanceType", "MinCount", "MaxCount", "KeyName",
         "SecurityGroupId.1", "SecurityGroup.1", "UserData", "ClientToken", "DryRun",
         "Placement.AvailabilityZone", "BlockDeviceMapping.1.DeviceName",
         "BlockDeviceMapping.1.Ebs.VolumeSize", "BlockDeviceMapping.1.Ebs.VolumeType",
         "InstanceMarketOptions.MarketType", "InstanceMarketOptions.SpotOptions.MaxPrice",
         "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
         "MetadataOptions.HttpTokens", "TagSpecification.1.ResourceType",
         "TagSpecification.1.Tag.1.Key", "TagSpecification.1.Tag.1.Value", "InstanceId.1",
         "InstanceId.2", "InstanceId.0", "InstanceId.99999", "Filter.1.Name", "Filter.1.Value.1",
         "Filter.2.Name", "MaxResults", "NextToken", "GroupId", "GroupName", "GroupDescription",
         "IpProtocol", "FromPort", "ToPort", "CidrIp", "IpPermissions.1.IpProtocol",
         "IpPermissions.1.FromPort", "IpPermissions.1.ToPort", "IpPermissions.1.IpRanges.1.CidrIp",
         "IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "IpPermissions.1.Groups.1.GroupId",
         "PublicKeyMaterial", "KeyType", "Name", "Description", "ResourceId.1", "Tag.1.Key",
         "Tag.1.Value", "Owner.1", "ImageId.1", "KeyPairId", "IncludeAllInstances", "Bogus",
         "Filter.1.Value.0", "a.b.c.d.e.f"]

ACTIONS = ["DescribeRegions", "DescribeAvailabilityZones", "DescribeInstanceTypes",
           "DescribeSpotPriceHistory", "DescribeImages", "CreateImage", "DeregisterImage",
           "CreateKeyPair", "ImportKeyPair", "DescribeKeyPairs", "DeleteKeyPair",
           "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "DescribeSecurityGroups",
           "DeleteSecurityGroup", "CreateTags", "RunInstances", "DescribeInstances",
           "DescribeInstanceStatus", "StartInstances", "StopInstances", "TerminateInstances",
           "NoSuchAction", "runinstances", ""]


def main():
    endpoint, access_key, secret_key, count, seed, out = sys.argv[1:7]
    count, rng = int(count), random.Random(int(seed))
    host_port = urllib.parse.urlsplit(endpoint).netloc
    ec2s = clients(endpoint, access_key, secret_key)
    credentials = Credentials(access_key, secret_key)
    public_key = open(sys.argv[7]).read().strip() if len(sys.argv) > 7 else ""

    preexisting = set()
    for client in ec2s.values():
        for reservation in client.describe_instances()["Reservations"]:
            preexisting |= {i["InstanceId"] for i in reservation["Instances"]}
    # Valid seeds, per region: an image, a group.
    seeds = {}
    for region, client in ec2s.items():
        ami = client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        group = client.create_security_group(GroupName="fuzz", Description="fuzz")["GroupId"]
        seeds[region] = {"ami": ami, "group": group}
    valid = [
        lambda s: {"Action": "RunInstances", "ImageId": s["ami"], "InstanceType": "g4dn.xlarge",
                   "MinCount": "1", "MaxCount": "1", "SecurityGroupId.1": s["group"]},
        lambda s: {"Action": "RunInstances", "ImageId": s["ami"], "InstanceType": "g4dn.xlarge",
                   "MinCount": "1", "MaxCount": "2", "UserData": base64.b64encode(b"x").decode(),
                   "TagSpecification.1.ResourceType": "instance",
                   "TagSpecification.1.Tag.1.Key": "k", "TagSpecification.1.Tag.1.Value": "v"},
        lambda s: {"Action": "AuthorizeSecurityGroupIngress", "GroupId": s["group"],
                   "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "22",
                   "IpPermissions.1.ToPort": "22",
                   "IpPermissions.1.IpRanges.1.CidrIp": "10.%d.0.0/16" % rng.randrange(256)},
        lambda s: {"Action": "DescribeInstances", "Filter.1.Name": "instance-state-name",
                   "Filter.1.Value.1": "running", "MaxResults": "5"},
        lambda s: {"Action": "DescribeSecurityGroups", "GroupId.1": s["group"]},
        lambda s: {"Action": "ImportKeyPair", "KeyName": "k%d" % rng.randrange(10 ** 6),
                   "PublicKeyMaterial": base64.b64encode(public_key.encode()).decode()},
        lambda s: {"Action": "CreateKeyPair", "KeyName": "c%d" % rng.randrange(10 ** 6)},
        lambda s: {"Action": "DescribeImages", "Owner.1": "amazon"},
        lambda s: {"Action": "DescribeInstanceTypes", "MaxResults": "7"},
        lambda s: {"Action": "DescribeSpotPriceHistory", "InstanceType.1": "g4dn.xlarge"},
        lambda s: {"Action": "CreateTags", "ResourceId.1": s["group"], "Tag.1.Key": "fuzz",
                   "Tag.1.Value": "yes"},
    ]

    def mutate(params):
        params = dict(params)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            kind = rng.randrange(6)
            if kind == 0 and params:
                params.pop(rng.choice(list(params)))
            elif kind == 1 and params:
                params[rng.choice(list(params))] = rng.choice(HOSTILE)
            elif kind == 2:
                params[rng.choice(NAMES)] = rng.choice(HOSTILE)
            elif kind == 3:
                params["Action"] = rng.choice(ACTIONS)
            elif kind == 4 and params:
                name = rng.choice(list(params))
                params[name] = params[name] * rng.choice([2, 50])
            else:
                params[rng.choice(NAMES)] = "".join(chr(rng.randrange(0, 0x800))
                                                   for _ in range(rng.randrange(1, 20)))
        params.setdefault("Version", "2016-11-15")
        return params

    def encode(params):
        return "&".join(urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe="")
                        for k, v in params.items())

    def build(params, region, transport):
        query = encode(params)
        if transport == "garbage":
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
            return rng.choice(["POST", "GET", "PUT"]), rng.choice(["/", "/x", "/?" + query[:50]]), \
                body, {"Content-Type": rng.choice(["application/x-www-form-urlencoded",
                                                   "multipart/form-data; boundary=x",
                                                   "text/plain"])}
        if transport in ("post", "unsigned"):
            request = AWSRequest(method="POST", url=endpoint + "/", data=query.encode(),
                                 headers={"Content-Type":
                                          "application/x-www-form-urlencoded; charset=utf-8"})
        else:
            request = AWSRequest(method="GET", url=endpoint + "/?" + query)
        if transport == "presigned":
            SigV4QueryAuth(credentials, "ec2", region, expires=60).add_auth(request)
        elif transport != "unsigned":
            SigV4Auth(credentials, "ec2", region).add_auth(request)
        prepared = request.prepare()
        split = urllib.parse.urlsplit(prepared.url)
        path = split.path + ("?" + split.query if split.query else "")
        return prepared.method, path, prepared.body or b"", dict(prepared.headers.items())

    def connect():
        # No Nagle: http.client writes headers and body apart, and a delayed
        # ACK would hold every request 40 ms.
        made = http.client.HTTPConnection(host_port, timeout=30)
        made.connect()
        made.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return made

    connection = [connect()]

    def send(method, path, body, headers):
        for attempt in range(2):
            try:
                connection[0].request(method, path, body=body, headers=headers)
                response = connection[0].getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                connection[0].close()
                connection[0] = connect()
                if attempt:
                    raise

    parser = QueryParser()
    findings = []
    statuses = collections.Counter()
    codes = collections.Counter()
    launched = set()
    for number in range(count):
        region = rng.choice(REGIONS)
        base = rng.choice(valid)(seeds[region])
        params = base if rng.random() < 0.25 else mutate(base)
        transport = rng.choices(["post", "get", "presigned", "unsigned", "garbage"],
                                [5, 3, 2, 1, 1])[0]
        method, path, body, headers = build(params, region, transport)
        status, data = send(method, path, body, headers)
        statuses[status] += 1
        if status == 200:
            if params.get("Action") == "RunInstances":
                for chunk in data.split(b"<instanceId>")[1:]:
                    launched.add(chunk.split(b"</instanceId>")[0].decode())
            continue
        try:
            parsed = parser.parse({"status_code": status, "headers": {}, "body": data}, None)
            code = parsed.get("Error", {}).get("Code")
        except Exception as error:  # noqa: BLE001
            code = None
            findings.append(f"#{number} {transport} unparseable {status}: {error} {data[:200]!r}")
        if not code:
            findings.append(f"#{number} {transport} no error code, {status}: {data[:200]!r}")
        codes[code] += 1
        if status >= 500 and code != "InsufficientInstanceCapacity":
            findings.append(f"#{number} {transport} {status} {code}: {params}")
    settle(ec2s)
    existing = {}
    for client in ec2s.values():
        for reservation in client.describe_instances()["Reservations"]:
            existing |= {i["InstanceId"]: i for i in reservation["Instances"]}
    # A persistent spot request whose instance was interrupted with behaviour terminate gets a
    # new instance from the spot service, as on EC2: launched by a 200 answer all the same.
    requests = {existing[i].get("SpotInstanceRequestId") for i in launched if i in existing}
    made = {i for i, instance in existing.items() if i not in preexisting and (
        i in launched or instance.get("SpotInstanceRequestId") in requests - {None})}
    unexplained = {i for i in existing if i not in preexisting} - made
    if unexplained or launched - made:
        def described(i):
            instance = existing.get(i, {})
            return (f"{i} ({instance.get('State', {}).get('Name', 'not described')} "
                    f"{instance.get('InstanceLifecycle', '')} {instance.get('LaunchTime', '')})")
        findings.append("instances differ from 200 RunInstances answers (and their spot "
                        f"requests' replacements): made but never answered "
                        f"{[described(i) for i in sorted(unexplained)]}; answered but not "
                        f"described {sorted(launched - made)}")
    health = http.client.HTTPConnection(host_port, timeout=10)
    health.request("GET", "/_gpubox/health")
    if health.getresponse().status != 200:
        findings.append("daemon not answering after the run")
    print(f"fuzz: {count} requests, statuses {dict(sorted(statuses.items()))}, "
          f"{len(launched)} instances launched, {len(findings)} findings")
    print("fuzz: error codes " + ", ".join(f"{c}={n}" for c, n in codes.most_common()))
    for finding in findings[:20]:
        print("FINDING " + finding)
    open(out, "w").write(snapshot(ec2s))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        endpoint, access_key, secret_key, out = sys.argv[2:6]
        open(out, "w").write(snapshot(clients(endpoint, access_key, secret_key)))
    else:
        main()

"""botocore's own parsers over every response kind of the local cloud.

Usage: local_botocore_check.py ENDPOINT ACCESS_KEY SECRET_KEY. Run with Debian's
/usr/bin/python3 (python3-botocore). Exits non-zero on the first response that
botocore cannot parse into the shape its model promises.
"""
import sys

import botocore.session
from botocore.exceptions import ClientError

endpoint, access_key, secret_key = sys.argv[1:4]
session = botocore.session.get_session()
config = botocore.config.Config(retries={"max_attempts": 1})


def client(service, region="us-east-1"):
    return session.create_client(service, region_name=region, endpoint_url=endpoint,
                                 aws_access_key_id=access_key,
                                 aws_secret_access_key=secret_key, config=config)


ec2 = client("ec2")
regions = ec2.describe_regions()["Regions"]
assert {r["RegionName"] for r in regions} == {"us-east-1", "us-west-2", "eu-west-1"}
zones = client("ec2", "eu-west-1").describe_availability_zones()["AvailabilityZones"]
assert [z["ZoneName"] for z in zones] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
types = ec2.describe_instance_types(InstanceTypes=["p3.2xlarge"])["InstanceTypes"]
assert types[0]["GpuInfo"]["Gpus"][0]["Name"] == "V100"
assert types[0]["VCpuInfo"]["DefaultVCpus"] == 8
history = ec2.describe_spot_price_history(InstanceTypes=["g4dn.xlarge"], MaxResults=2)
assert len(history["SpotPriceHistory"]) == 2 and history["NextToken"]
assert float(history["SpotPriceHistory"][0]["SpotPrice"]) > 0
images = ec2.describe_images(Owners=["amazon"])["Images"]
ami = [i for i in images if i["Name"].startswith("Deep Learning")][0]
assert ami["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] > 0
made = ec2.create_key_pair(KeyName="boto", KeyType="ed25519")
assert made["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
keys = ec2.describe_key_pairs(KeyNames=["boto"], IncludePublicKey=True)["KeyPairs"]
assert keys[0]["PublicKey"].startswith("ssh-ed25519 ")
group = ec2.create_security_group(GroupName="boto", Description="botocore")
ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 8888, "ToPort": 8888,
     "IpRanges": [{"CidrIp": "127.0.0.1/32", "Description": "jupyter"}]}])
groups = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"]
assert groups[0]["IpPermissions"][0]["IpRanges"][0]["Description"] == "jupyter"
run = ec2.run_instances(ImageId=ami["ImageId"], InstanceType="g4dn.xlarge", MinCount=1,
                        MaxCount=1, KeyName="boto", SecurityGroupIds=[group["GroupId"]],
                        ClientToken="boto-1",
                        TagSpecifications=[{"ResourceType": "instance",
                                            "Tags": [{"Key": "k", "Value": "v"}]}])
instance_id = run["Instances"][0]["InstanceId"]
assert run["Instances"][0]["State"]["Name"] == "pending"
described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
assert described["Tags"] == [{"Key": "k", "Value": "v"}]
assert described["Placement"]["AvailabilityZone"].startswith("us-east-1")
ec2.describe_instance_status(InstanceIds=[instance_id], IncludeAllInstances=True)
ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "a", "Value": "b"}])
behavior = ec2.describe_instance_attribute(InstanceId=instance_id,
                                          Attribute="instanceInitiatedShutdownBehavior")
assert behavior["InstanceInitiatedShutdownBehavior"] == {"Value": "stop"}, behavior
ec2.modify_instance_attribute(InstanceId=instance_id,
                              InstanceInitiatedShutdownBehavior={"Value": "terminate"})
ec2.modify_instance_attribute(InstanceId=instance_id, Attribute="instanceInitiatedShutdownBehavior",
                              Value="terminate")
behavior = ec2.describe_instance_attribute(InstanceId=instance_id,
                                          Attribute="instanceInitiatedShutdownBehavior")
assert behavior["InstanceInitiatedShutdownBehavior"]["Value"] == "terminate", behavior
for attribute, key, value in [("instanceType", "InstanceType", {"Value": "g4dn.xlarge"}),
                              ("disableApiTermination", "DisableApiTermination", {"Value": False}),
                              ("groupSet", "Groups", [{"GroupId": group["GroupId"],
                                                       "GroupName": "boto"}])]:
    answer = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute=attribute)
    assert answer[key] == value and answer["InstanceId"] == instance_id, answer
changes = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"]
assert changes[0]["CurrentState"]["Name"] == "shutting-down"
try:
    ec2.describe_instances(InstanceIds=["i-0000000000000000a"])
    raise SystemExit("expected InvalidInstanceID.NotFound")
except ClientError as error:
    assert error.response["Error"]["Code"] == "InvalidInstanceID.NotFound", error.response
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
ec2.delete_key_pair(KeyName="boto")
quotas = client("service-quotas")
quota = quotas.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]
assert quota["Value"] == 64.0 and quota["QuotaName"].startswith("Running On-Demand G")
try:
    quotas.get_service_quota(ServiceCode="ec2", QuotaCode="L-NOPE")
    raise SystemExit("expected NoSuchResourceException")
except ClientError as error:
    assert error.response["Error"]["Code"] == "NoSuchResourceException", error.response
print("botocore parsed every response")

"""The local cloud's wire protocol as EC2 serves it, judged by botocore.

Usage: local_protocol_check.py ENDPOINT ACCESS_KEY SECRET_KEY. Debian's
/usr/bin/python3 (python3-botocore). Both Query transports (POST form, GET
query), SigV4 in the Authorization header or presigned in the query, the
signature checks (service scope, scope date, clock skew, presigned expiry,
unknown key vs wrong signature), body limits, and every non-200 answer as
EC2's XML error document that botocore's own parser reads. Prints one line per
check; exits non-zero when one fails.
"""
import datetime
import http.client
import sys
import urllib.parse

import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import QueryParser

endpoint, access_key, secret_key = sys.argv[1:4]
host_port = urllib.parse.urlsplit(endpoint).netloc
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f"  ({detail})"))
    if not condition:
        failures += 1


def send(method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection(host_port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def ec2_error(status, data):
    """The (code, message) botocore reads from an EC2 error body, or None."""
    try:
        parsed = QueryParser().parse(
            {"status_code": status, "headers": {}, "body": data}, None)
    except Exception as error:  # noqa: BLE001 - any parser failure is the finding
        return None, str(error)
    error = parsed.get("Error", {})
    return error.get("Code"), error.get("Message")


def signed(method, params, service="ec2", region="us-east-1", when=None, key=access_key,
           secret=secret_key, in_query=False, presign=False, expires=300):
    """A signed request: (method, path, body, headers)."""
    encoded = urllib.parse.urlencode(params)
    url = endpoint + "/"
    body = b""
    headers = {}
    if in_query or method == "GET":
        url += "?" + encoded
    else:
        body = encoded.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    credentials = Credentials(key, secret)
    signer = (SigV4QueryAuth(credentials, service, region, expires=expires) if presign
              else SigV4Auth(credentials, service, region))
    if when is not None:
        original = datetime.datetime

        class Frozen(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when

            @classmethod
            def now(cls, tz=None):
                return when.replace(tzinfo=tz) if tz else when

        datetime.datetime = Frozen
        try:
            import botocore.auth as auth_module
            auth_module.datetime.datetime = Frozen
            signer.add_auth(request)
        finally:
            datetime.datetime = original
            auth_module.datetime.datetime = original
    else:
        signer.add_auth(request)
    prepared = request.prepare()
    split = urllib.parse.urlsplit(prepared.url)
    path = split.path + ("?" + split.query if split.query else "")
    sent_headers = {k: v for k, v in prepared.headers.items()}
    return method, path, prepared.body or b"", sent_headers


def call(*args, **kwargs):
    method, path, body, headers = signed(*args, **kwargs)
    return send(method, path, body, headers)


regions = {"Action": "DescribeRegions", "Version": "2016-11-15"}

# Transports.
status, data = call("POST", regions)
check("POST form, header signature", status == 200 and b"<regionName>" in data, data[:200])
status, data = call("GET", regions)
check("GET query, header signature", status == 200 and b"<regionName>" in data, data[:200])
status, data = call("GET", regions, presign=True)
check("GET presigned by botocore's SigV4QueryAuth", status == 200 and b"<regionName>" in data,
      data[:300])
status, data = call("POST", regions, in_query=True, presign=True)
check("POST presigned, parameters in the query", status == 200, data[:300])
session = botocore.session.get_session()
client = session.create_client("ec2", region_name="eu-west-1", endpoint_url=endpoint,
                               aws_access_key_id=access_key, aws_secret_access_key=secret_key)
url = client.generate_presigned_url("describe_availability_zones", ExpiresIn=120)
split = urllib.parse.urlsplit(url)
status, data = send("GET", split.path + "?" + split.query)
check("generate_presigned_url fetched with GET", status == 200 and b"eu-west-1a" in data,
      data[:300])

# Signature checks.
now = datetime.datetime.utcnow()
status, data = call("POST", regions, when=now - datetime.timedelta(minutes=20))
check("20-minute-old signature: RequestExpired",
      status == 400 and ec2_error(status, data)[0] == "RequestExpired", (status, data[:300]))
status, data = call("POST", regions, when=now + datetime.timedelta(minutes=20))
check("signature 20 minutes ahead: RequestExpired",
      ec2_error(status, data)[0] == "RequestExpired", (status, data[:300]))
status, data = call("POST", regions, when=now - datetime.timedelta(minutes=5))
check("5-minute skew is served", status == 200, (status, data[:300]))
status, data = call("POST", regions, service="s3")
check("scope for another service refused",
      status == 403 and ec2_error(status, data)[0] == "SignatureDoesNotMatch"
      and "'ec2'" in ec2_error(status, data)[1], (status, data[:300]))
status, data = call("GET", regions, presign=True, expires=1,
                    when=now - datetime.timedelta(seconds=30))
check("expired presigned URL: RequestExpired", ec2_error(status, data)[0] == "RequestExpired",
      (status, data[:300]))
method, path, body, headers = signed("POST", regions)
headers["Authorization"] = headers["Authorization"].replace(
    headers["X-Amz-Date"][:8], "20200101", 1)
status, data = send(method, path, body, headers)
check("scope date other than X-Amz-Date's refused",
      ec2_error(status, data)[0] == "SignatureDoesNotMatch", (status, data[:300]))
wrong = call("POST", regions, secret="wrong-secret")
unknown = call("POST", regions, key="AKIAUNKNOWNKEY000000")
check("wrong signature and unknown key answered alike (AuthFailure, 401)",
      wrong[0] == unknown[0] == 401 and ec2_error(*wrong) == ec2_error(*unknown)
      and ec2_error(*wrong)[0] == "AuthFailure", (wrong, unknown))
method, path, body, headers = signed("POST", regions)
headers["Authorization"] = headers["Authorization"][:-1] + (
    "0" if headers["Authorization"][-1] != "0" else "1")
status, data = send(method, path, body, headers)
check("one changed signature digit refused", status == 401, (status, data[:200]))
status, data = send("POST", "/", urllib.parse.urlencode(regions).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"})
check("unsigned request: AuthFailure", ec2_error(status, data)[0] == "AuthFailure",
      (status, data[:200]))

# Limits and errors botocore can parse.
user_data = "A" * (12 * 1024)
import base64  # noqa: E402

images = call("POST", {"Action": "DescribeImages", "Version": "2016-11-15", "Owner.1": "amazon"})
ami = images[1].split(b"<imageId>")[1].split(b"</imageId>")[0].decode()
status, data = call("POST", {"Action": "RunInstances", "Version": "2016-11-15", "ImageId": ami,
                             "InstanceType": "g4dn.xlarge", "MinCount": "1", "MaxCount": "1",
                             "UserData": base64.b64encode(user_data.encode()).decode()})
check("RunInstances with 12 KiB of user data accepted", status == 200, (status, data[:300]))
if status == 200:
    instance = data.split(b"<instanceId>")[1].split(b"</instanceId>")[0].decode()
    call("POST", {"Action": "TerminateInstances", "Version": "2016-11-15",
                  "InstanceId.1": instance})
big = urllib.parse.urlencode({"Action": "DescribeRegions", "Version": "2016-11-15",
                              "Junk": "x" * (3 * 1024 * 1024)}).encode()
status, data = send("POST", "/", big, {"Content-Type": "application/x-www-form-urlencoded"})
check("3 MiB body: 413 as an EC2 error", status == 413 and ec2_error(status, data)[0] is not None,
      (status, data[:200]))
medium = {"Action": "DescribeRegions", "Version": "2016-11-15", "Junk": "x" * (1024 * 1024)}
status, data = call("POST", medium)
check("1 MiB body served", status == 200, (status, data[:200]))
for method, path in [("GET", "/nowhere"), ("PUT", "/"), ("DELETE", "/x"), ("POST", "/other")]:
    status, data = send(method, path)
    check(f"{method} {path}: {status} as an EC2 error",
          status >= 400 and ec2_error(status, data)[0] is not None, (status, data[:200]))
status, data = send("GET", "/?" + "a=" + "b" * 20000)
check("oversized query: EC2 error", status >= 400 and ec2_error(status, data)[0] is not None,
      (status, data[:200]))
status, data = call("POST", {"Action": "Describe\x01Regions\x7f\x1b[0m", "Version": "2016-11-15"})
code, message = ec2_error(status, data)
check("control characters in an echoed action: well-formed XML", code == "InvalidAction",
      (status, data[:300]))
status, data = call("POST", {"Action": "DescribeRegions", "Version": "2016-11-15",
                             "Filter.1.Name": "bad\u0000\u0008name\ud7ff", "Filter.1.Value.1": "x"})
check("NUL and backspace in an echoed filter: well-formed XML",
      ec2_error(status, data)[0] == "InvalidParameterValue", (status, data[:300]))
status, data = send("POST", "/", b"%zz&&=%", {"Content-Type": "application/x-www-form-urlencoded"})
check("malformed form body: EC2 error", ec2_error(status, data)[0] is not None,
      (status, data[:200]))

sys.exit(1 if failures else 0)

#!/usr/bin/python3
"""Oracle: botocore's SigV4Auth signing a batch of requests at given times.

stdin: JSON list of {"method", "url", "headers": [[name, value], ...] (repeats
allowed, in order), "body", "region", "service", "access_key", "secret_key",
"token" (or null), "timestamp": "YYYYMMDDTHHMMSSZ"}.
stdout: JSON list of {"canonical_request", "string_to_sign", "headers"} where
headers are the signed request's headers in order (Authorization included).
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class _Recording(botocore.auth.SigV4Auth):
    def canonical_request(self, request):
        self.recorded_canonical = super().canonical_request(request)
        return self.recorded_canonical

    def string_to_sign(self, request, canonical_request):
        self.recorded_sts = super().string_to_sign(request, canonical_request)
        return self.recorded_sts


def sign(case):
    when = datetime.datetime.strptime(case["timestamp"], "%Y%m%dT%H%M%SZ")

    class FixedDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz) if tz else when

    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode())
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders keeps repeats
    signer = _Recording(Credentials(case["access_key"], case["secret_key"], case["token"]),
                        case["service"], case["region"])
    with mock.patch.object(botocore.auth.datetime, "datetime", FixedDateTime):
        signer.add_auth(request)
    return {"canonical_request": signer.recorded_canonical,
            "string_to_sign": signer.recorded_sts,
            "headers": [[name, value] for name, value in request.headers.items()]}


def main():
    json.dump([sign(case) for case in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Oracle: botocore's Service Quotas (awsJson1.1) serializer and error parser.

stdin: JSON list of {"serialize": operation, "params": {...}} or
{"parse": operation, "status", "headers", "body"}; stdout: JSON list of
{"body", "headers"} (serialized) or the parsed dict.
"""
import json
import sys

import botocore.parsers
import botocore.serialize
import botocore.session

MODEL = botocore.session.get_session().get_service_model("service-quotas")


def run(case):
    if "serialize" in case:
        request = botocore.serialize.create_serializer("json").serialize_to_request(
            case["params"], MODEL.operation_model(case["serialize"]))
        body = request["body"]
        return {"body": body.decode() if isinstance(body, bytes) else body,
                "headers": request["headers"]}
    parser = botocore.parsers.create_parser("json")
    return parser.parse({"status_code": case["status"], "headers": case["headers"],
                         "body": case["body"].encode()},
                        MODEL.operation_model(case["parse"]).output_shape)


json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout, default=str)

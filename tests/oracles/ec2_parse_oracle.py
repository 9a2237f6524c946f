#!/usr/bin/python3
"""Oracle: what botocore's own EC2 parser makes of a response body.

stdin: JSON list of {"operation", "status", "body"}; stdout: JSON list of the
parsed dicts (timestamps as ISO text). A parser exception is reported as
{"parser_error": "..."} so the caller's assertion shows it.
"""
import json
import sys

import botocore.parsers
import botocore.session

MODEL = botocore.session.get_session().get_service_model("ec2")


def parse(case):
    operation = MODEL.operation_model(case["operation"])
    parser = botocore.parsers.create_parser("ec2")
    try:
        return parser.parse({"status_code": case["status"], "headers": {},
                             "body": case["body"].encode()}, operation.output_shape)
    except Exception as error:  # reported, not raised: the test shows which case
        return {"parser_error": repr(error)}


def main():
    json.dump([parse(case) for case in json.load(sys.stdin)], sys.stdout, default=str)


if __name__ == "__main__":
    main()

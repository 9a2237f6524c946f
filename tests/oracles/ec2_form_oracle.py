#!/usr/bin/python3
"""Oracle: the EC2 Query form body botocore's own serializer produces.

stdin: JSON list of {"operation": "RunInstances", "params": {...}} (botocore
parameter names). Members are put in the order of the model's shape (the
order botocore's client would see them from generated code), RunInstances
user data goes through botocore's own base64 handler, then the EC2 serializer
builds the body and AWSRequest's urlencode makes the wire text.
stdout: JSON list of {"operation", "body"} in the same order.
"""
import json
import sys
from urllib.parse import urlencode

import botocore.handlers
import botocore.serialize
import botocore.session

MODEL = botocore.session.get_session().get_service_model("ec2")
SERIALIZER = botocore.serialize.create_serializer("ec2")


def ordered(value, shape):
    """The value with structure members in the shape's member order."""
    if shape.type_name == "structure":
        unknown = set(value) - set(shape.members)
        if unknown:
            raise ValueError(f"{shape.name} has no members {sorted(unknown)}")
        return {name: ordered(value[name], member)
                for name, member in shape.members.items() if name in value}
    if shape.type_name == "list":
        return [ordered(item, shape.member) for item in value]
    return value


def body_for(operation, params):
    operation_model = MODEL.operation_model(operation)
    params = ordered(params, operation_model.input_shape)
    if operation == "RunInstances":
        botocore.handlers.base64_encode_user_data(params)
    request = SERIALIZER.serialize_to_request(params, operation_model)
    return urlencode(list(request["body"].items()), doseq=True)


def main():
    cases = json.load(sys.stdin)
    json.dump([{"operation": case["operation"], "body": body_for(case["operation"], case["params"])}
               for case in cases], sys.stdout)


if __name__ == "__main__":
    main()

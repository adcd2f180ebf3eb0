"""A Lambda function in moto for the resource tests: a role, a tiny zip, a name."""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def code(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


def make_function(boto: Any, name: str = "mantissa-detection-engine", **extra: Any) -> str:
    """A function with a role; returns its ARN."""
    iam = boto("iam")
    try:
        role = iam.get_role(RoleName=f"{name}-role")["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    answer = boto("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Arn"], Handler="handler.handler",
        Code={"ZipFile": code("def handler(event, context):\n    return 1\n")}, **extra)
    return str(answer["FunctionArn"])

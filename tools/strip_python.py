#!/usr/bin/python3
"""Prints a Python script without its comments and docstrings (ast.unparse), keeping its
first line (#!): how the on-box agent travels in EC2's 16 KiB of user data (CMake's
gpubox_embed_packed). The documented source stays the one in the repository.

Usage: strip_python.py FILE
"""
import ast
import sys


def strip(source):
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    first = source.splitlines()[0] if source.startswith("#!") else ""
    return (first + "\n" if first else "") + ast.unparse(tree) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as script:
        sys.stdout.write(strip(script.read()))

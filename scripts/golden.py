#!/usr/bin/env python3
"""Rewrites Tests/AetherTUITests/Golden.swift from frames written by
`AETHER_WRITE_GOLDEN=DIR swift test --filter AetherTUITests.` (DIR/<name>.txt, name in kebab
case): each frame replaces the golden of the same name (camel case), new ones are added.
Review the diff: a changed frame is a changed screen."""
import os
import re
import sys

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/golden"
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "AetherTUITests", "Golden.swift")
source = open(path, encoding="utf-8").read()


def camel(name):
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def literal(name, text):
    body = "\n".join(("        " + line) if line else "" for line in text.split("\n"))
    return f'    static let {name} = #"""\n{body}\n        """#'


for file in sorted(os.listdir(directory)):
    if not file.endswith(".txt"):
        continue
    name = camel(file[:-4])
    text = open(os.path.join(directory, file), encoding="utf-8").read()
    block = literal(name, text)
    pattern = re.compile(r'    static let ' + re.escape(name) + r' = #""".*?"""#', re.S)
    if pattern.search(source):
        source = pattern.sub(lambda _: block, source, count=1)
    else:
        end = source.rstrip().rfind("}")
        source = source[:end] + "\n" + block + "\n}\n"
open(path, "w", encoding="utf-8").write(source)

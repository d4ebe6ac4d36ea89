#!/usr/bin/env python3
"""Validates ADF documents against the official ADF JSON schema with jsonschema-rs.

Usage: scripts/validate-adf.py [--schema FILE] PATH...
Each PATH is an .adf.json/.json file or a folder searched for *.json. Prints one
line per invalid document (file, JSON path, message) and a summary; exits 0 when
every document is valid, 1 when any is not, 2 when the validator or the schema is
missing.
"""
import argparse
import json
import os
import sys


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    default_schema = os.path.join(here, "..", "..", "shared", "reference", "adf-schema", "full.json")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", default=default_schema)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    try:
        import jsonschema_rs
    except ImportError:
        print("jsonschema-rs is not installed: run `python3 -m pip install -r scripts/ci-requirements.txt`",
              file=sys.stderr)
        return 2
    if not os.path.exists(args.schema):
        print(f"ADF schema not found at {args.schema}", file=sys.stderr)
        return 2
    with open(args.schema, encoding="utf-8") as handle:
        validator = jsonschema_rs.Draft4Validator(json.load(handle))
    files = []
    for path in args.paths:
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                files.extend(os.path.join(root, n) for n in names if n.endswith(".json"))
        else:
            files.append(path)
    invalid = 0
    for file in sorted(files):
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            invalid += 1
            print(f"INVALID {file}: not readable JSON: {error}")
            continue
        errors = list(validator.iter_errors(document))
        if errors:
            invalid += 1
            first = errors[0]
            location = "/" + "/".join(str(p) for p in first.instance_path)
            print(f"INVALID {file}: {location}: {first.message[:300]} ({len(errors)} errors)")
    print(f"validated {len(files)} documents against {os.path.basename(args.schema)}: "
          f"{len(files) - invalid} valid, {invalid} invalid")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())

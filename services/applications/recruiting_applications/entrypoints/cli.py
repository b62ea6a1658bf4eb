"""Operator commands of the applications service.

    python -m recruiting_applications.entrypoints.cli new-key ID   prints a new key-ring entry 'ID:base64url'
    python -m recruiting_applications.entrypoints.cli rewrap       re-wraps every data key with the active key
    python -m recruiting_applications.entrypoints.cli prune        shreds vault entries without an application

Rotation: put the new entry first in KEY_RING (keep the old one after it), restart the service, run `rewrap`,
then drop the old entry from KEY_RING."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ..adapters.crypto import b64encode, new_key
from ..adapters.keys import load_key_material
from ..config import ApplicationsSettings
from ..service_layer.key_rotation import prune_orphans, rewrap_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recruiting-applications-keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new-key", help="print a new key-ring entry")
    new.add_argument("key_id")
    commands.add_parser("rewrap", help="re-wrap every data key with the active key-encryption key")
    commands.add_parser("prune", help="shred vault entries (older than an hour) whose application does not exist")
    args = parser.parse_args(argv)
    if args.command == "new-key":
        if not args.key_id or any(c in args.key_id for c in ":,"):
            parser.error("a key id must not contain ':' or ','")
        print(f"{args.key_id}:{b64encode(new_key())}")
        return 0
    settings = ApplicationsSettings()
    keys = load_key_material(settings)
    if args.command == "prune":
        print(json.dumps({"pruned": asyncio.run(prune_orphans(keys, settings.database_url))}))
        return 0
    report = rewrap_all(keys)
    print(json.dumps({"active_key": keys.ring.active_id, "entries": report.entries, "rewrapped": report.rewrapped}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m services.memory accounts|keys|audit ...`: people, signing keys and the audit trail by hand.

accounts add NAME --role viewer|operator|admin   (password from the terminal, or one line on stdin)
accounts list | set-role NAME ROLE | disable NAME | enable NAME | set-password NAME
keys list | add [--kid KID] | retire KID          (the key set file; see services/common/signing.py)
audit export [--format jsonl|csv] [--client-id C] [--person P] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from services.common.auth import ROLES
from services.common.domain_errors import ServiceError
from services.common.signing import (
    KeySet,
    KeySetError,
    keyset_path,
    load_or_create_keyset,
    new_key,
    write_keyset,
)
from services.memory.settings import MemorySettings


def first_admin_file(data_dir: Path) -> Path:
    return data_dir / "auth" / "first-admin-password"


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def add_people_commands(sub: Any) -> None:
    accounts = sub.add_parser("accounts", help="people who can sign in (the built-in account store)")
    acc = accounts.add_subparsers(dest="action", required=True)
    add = acc.add_parser("add", help="add a person (asks for the password, or reads one line from stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    acc.add_parser("list", help="every account")
    role = acc.add_parser("set-role", help="change a person's role (from their next sign-in)")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    for action, text in (("disable", "a disabled person cannot sign in"), ("enable", "undo disable")):
        acc.add_parser(action, help=text).add_argument("name")
    acc.add_parser("set-password", help="set a new password").add_argument("name")

    keys = sub.add_parser("keys", help="the signing keys in $AICMO_DATA_DIR/auth/keyset.json")
    ks = keys.add_subparsers(dest="action", required=True)
    ks.add_parser("list", help="key ids, newest (signing) first")
    key_add = ks.add_parser("add", help="add a key that signs from now on (the others still verify)")
    key_add.add_argument("--kid", default=None)
    ks.add_parser("retire", help="remove a key: tokens it signed stop verifying").add_argument("kid")

    audit = sub.add_parser("audit", help="the audit trail")
    au = audit.add_subparsers(dest="action", required=True)
    export = au.add_parser("export", help="every entry, oldest first")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--client-id", default="")
    export.add_argument("--person", default="")
    export.add_argument("--output", type=Path, default=None, help="a file (default: stdout)")


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run_people_command(settings: MemorySettings, args: argparse.Namespace) -> int:
    if args.command == "keys":
        return _keys(settings, args)
    from services.memory.adapters.people import AccountRepository, AuditRepository
    from services.memory.bootstrap import open_storage
    from services.memory.service_layer.people import NameTaken, People

    storage = open_storage(settings)
    try:
        people = People(AccountRepository(storage.engine))
        if args.command == "audit":
            return _export(AuditRepository(storage.engine), args)
        try:
            if args.action == "add":
                row = people.add(args.name, args.role, _read_password(args.name))
            elif args.action == "list":
                for row in people.accounts.list():
                    state = "disabled" if row.disabled else "enabled"
                    print(f"{row.name}\t{row.role}\t{state}\t{row.created_at.isoformat(timespec='seconds')}")
                return 0
            elif args.action == "set-role":
                row = people.set_role(args.name, args.role)
            elif args.action == "set-password":
                row = people.set_password(args.name, _read_password(args.name))
            else:
                row = people.set_disabled(args.name, args.action == "disable")
        except NameTaken:
            print(f"an account named {args.name} exists", file=sys.stderr)
            return 1
        except ServiceError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print(f"{row.name}\t{row.role}\t{'disabled' if row.disabled else 'enabled'}")
        return 0
    finally:
        storage.close()


def _keys(settings: MemorySettings, args: argparse.Namespace) -> int:
    if settings.auth_keys is not None:
        print("AICMO_AUTH_KEYS is set: rotate by changing it (see README, Keys that rotate)", file=sys.stderr)
        return 1
    path = keyset_path(settings.data_dir)
    try:
        current = load_or_create_keyset(path)
        if args.action == "add":
            current = KeySet((new_key(args.kid), *current.keys))
            write_keyset(path, current)
        elif args.action == "retire":
            if current.find(args.kid) is None:
                print(f"no key {args.kid}", file=sys.stderr)
                return 1
            current = KeySet(tuple(k for k in current.keys if k.kid != args.kid))
            write_keyset(path, current)
    except KeySetError as exc:
        print(f"key set: {exc}", file=sys.stderr)
        return 2
    for i, key in enumerate(current.keys):
        print(f"{key.kid}\t{'signs and verifies' if i == 0 else 'verifies'}\t{key.created}")
    return 0


def _export(audit: Any, args: argparse.Namespace) -> int:
    out = args.output.open("w", newline="") if args.output else sys.stdout
    try:
        fields = [f.name for f in dataclasses.fields(audit_row_type())]
        writer = csv.DictWriter(out, fieldnames=fields) if args.format == "csv" else None
        if writer is not None:
            writer.writeheader()
        for row in audit.all(client_id=args.client_id, person=args.person):
            record = dataclasses.asdict(row)
            record["at"] = row.at.isoformat()
            if writer is not None:
                writer.writerow(record)
            else:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            out.close()
    return 0


def audit_row_type() -> Any:
    from services.memory.domain.people import AuditRow

    return AuditRow

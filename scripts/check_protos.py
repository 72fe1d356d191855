"""`buf lint` and `buf breaking` over protos/, run by `make lint`.

The googleapis protos our contracts import are copied from the googleapis-common-protos wheel into
gen/buf-deps (buf.yaml names that module), so no schema registry is needed. Breaking changes are checked
against the last released contract named in protos/RELEASED (a tag, or its commit when the clone has no
tags), checked out of git into gen/buf-against with the same layout.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import google.api

ROOT = Path(__file__).resolve().parent.parent
DEPS = ("annotations.proto", "http.proto", "field_behavior.proto")


def copy_deps(workspace: Path) -> None:
    source = Path(next(iter(google.api.__path__)))
    target = workspace / "gen" / "buf-deps" / "google" / "api"
    target.mkdir(parents=True, exist_ok=True)
    for name in DEPS:
        shutil.copyfile(source / name, target / name)


def released_ref() -> str:
    fields = dict(
        line.split(":", 1)
        for line in (ROOT / "protos" / "RELEASED").read_text().splitlines()
        if ":" in line and not line.startswith("#")
    )
    tag, commit = fields["tag"].strip(), fields["commit"].strip()
    has_tag = (
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    return tag if has_tag else commit


def released_workspace() -> Path:
    against = ROOT / "gen" / "buf-against"
    shutil.rmtree(against, ignore_errors=True)
    against.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", released_ref(), "protos"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "x", "-C", str(against)], input=archive, check=True)
    shutil.copyfile(ROOT / "buf.yaml", against / "buf.yaml")
    copy_deps(against)
    return against


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buf", required=True, help="path of the buf binary")
    args = parser.parse_args()
    copy_deps(ROOT)
    lint = subprocess.run([args.buf, "lint"], cwd=ROOT, check=False)
    breaking = subprocess.run(
        [args.buf, "breaking", "--against", str(released_workspace())], cwd=ROOT, check=False
    )
    if lint.returncode or breaking.returncode:
        print("buf: the contracts break a lint rule or the released contract (see above)", file=sys.stderr)
        return 1
    print("buf: lint clean; no breaking change against the released contract")
    return 0


if __name__ == "__main__":
    sys.exit(main())

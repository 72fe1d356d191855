"""Generate Python stubs (with type stubs) and the gateway's descriptor set from protos/.

Run through `make protos`; generated code is never edited by hand.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import google.api
import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="gen", help="output directory (relative to the repo root)")
    args = parser.parse_args()
    out = (ROOT / args.out).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    googleapis_include = Path(next(iter(google.api.__path__))).parent.parent
    well_known_include = Path(next(iter(grpc_tools.__path__))) / "_proto"
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    includes = [f"-I{PROTO_ROOT}", f"-I{googleapis_include}", f"-I{well_known_include}"]

    bin_dir = Path(sys.executable).parent
    stubs = [
        "grpc_tools.protoc",
        *includes,
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--mypy_out={out}",
        f"--mypy_grpc_out={out}",
        *protos,
    ]
    if protoc.main(stubs) != 0:
        print("protoc failed generating Python stubs", file=sys.stderr)
        return 1

    descriptor = out / "aicmo_descriptor.pb"
    descriptor_cmd = [
        "grpc_tools.protoc",
        *includes,
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={descriptor}",
        *protos,
        # Error details travel in statuses; the transcoder needs their types to print them as JSON.
        "google/rpc/error_details.proto",
        "google/rpc/status.proto",
    ]
    if protoc.main(descriptor_cmd) != 0:
        print("protoc failed building the descriptor set", file=sys.stderr)
        return 1

    # Packages for the generated tree, so `import aicmo.memory.v1.memory_service_pb2` and mypy both work.
    for directory in [out / "aicmo", *(p for p in (out / "aicmo").rglob("*") if p.is_dir())]:
        (directory / "__init__.py").touch()
    (out / "aicmo" / "py.typed").touch()
    print(f"generated {len(protos)} proto file(s) into {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

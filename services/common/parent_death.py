"""`python services/common/parent_death.py PARENT_PID SIGNAL [UID GID] -- PROGRAM ARGS...`: runs PROGRAM so
that it gets SIGNAL when PARENT_PID (the launcher) dies, however it dies (kill -9 included).

Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is armed here, in a process of its own that then
becomes PROGRAM (exec keeps the pid and the signal), rather than in a preexec_fn between fork and exec: that
would run Python in the child of a process with threads (gRPC's, the watchdog's), which can deadlock before
exec. With UID and GID (the launcher is root, Postgres must not be), the identity is taken first, with no
supplementary groups, and the signal armed after (a change of identity clears it).

Standard library only, run by path: it must start fast and from any working directory."""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    split = argv.index("--")
    head, program = argv[:split], argv[split + 1 :]
    parent, signal_number = int(head[0]), int(head[1])
    if len(head) == 4:
        uid, gid = int(head[2]), int(head[3])
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    os.execv(program[0], program)
    return 127  # unreachable: execv replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Reading the sizes of an execution environment's processes from /proc, cheaply enough to do after every warm
invocation: each file is opened once and read again with ``pread`` (a seq_file is generated afresh on each read
from offset 0). On a virtual machine an ``open`` of a /proc file costs about as much as the handler of a trivial
function; a descriptor also stays bound to its process, so a reused PID is never read by mistake."""

from __future__ import annotations

import contextlib
import os


class ProcReader:
    def __init__(self) -> None:
        self._fds: dict[str, int] = {}

    def read(self, path: str, size: int = 8192) -> bytes | None:
        """The file's content now, or None when it is gone (its process ended)."""
        fd = self._fds.get(path)
        try:
            if fd is None:
                fd = self._fds[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            return os.pread(fd, size, 0)
        except OSError:
            self._drop(path)
            return None

    def status_kb(self, pid: int, key: str = "VmRSS") -> int:
        """A size line of /proc/PID/status in kB, 0 when the process is gone."""
        data = self.read(f"/proc/{pid}/status")
        if not data:
            return 0
        at = data.find(key.encode("ascii") + b":")
        if at < 0:
            return 0
        try:
            return int(data[at + len(key) + 1:data.find(b"\n", at)].split()[0])
        except (ValueError, IndexError):
            return 0

    def forget(self, pids: set[int]) -> None:
        """Close the files of processes no longer in the tree."""
        for path in [p for p in self._fds if p.startswith("/proc/") and p.split("/")[2].isdigit()
                     and int(p.split("/")[2]) not in pids]:
            self._drop(path)

    def _drop(self, path: str) -> None:
        fd = self._fds.pop(path, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        for path in list(self._fds):
            self._drop(path)

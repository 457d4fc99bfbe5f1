"""CPU as Lambda gives it: a share proportional to the memory size.

DG "Configure Lambda function memory": "At 1,769 MB, a function has the equivalent of one vCPU", and up to 6 vCPUs
at 10,240 MB. Locally the worker's process tree gets a CPU cgroup whose CFS quota is that share of one CPU per
period (cgroup v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us``), where the machine lets lambdoctor create one (as root
on these machines); elsewhere durations are the machine's and a note says so.

The quota is set for invocations only: the init runs unthrottled. Lambda documents no CPU share for the init
phase; throttling it too would make a 128 MB function's cold start here fourteen times its unthrottled time, a
figure nobody has measured on Lambda. An assumption, said in docs/conformance.md.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from pathlib import Path

VCPU_MB = 1769
MAX_VCPUS = 6.0
PERIOD_US = 100_000
_V2 = Path("/sys/fs/cgroup")
_V1 = Path("/sys/fs/cgroup/cpu")


def vcpus(memory_mb: int) -> float:
    return min(MAX_VCPUS, memory_mb / VCPU_MB)


def available() -> bool:
    """Whether this machine lets lambdoctor limit a worker's CPU."""
    quota = CpuQuota.create()
    if quota is None:
        return False
    quota.close()
    return True


class CpuQuota:
    """One cgroup for one execution environment's processes."""

    def __init__(self, folder: Path, v2: bool) -> None:
        self.folder = folder
        self.v2 = v2
        self._share: float | str | None = "unset"  # the share written last
        self._fds: dict[str, int] = {}

    @classmethod
    def create(cls) -> CpuQuota | None:
        """A new cgroup with the cpu controller, or None where the machine does not allow one."""
        name = f"lambdoctor-{uuid.uuid4().hex[:12]}"
        candidates: list[tuple[Path, bool]] = []
        with contextlib.suppress(OSError):
            if "cpu" in (_V2 / "cgroup.controllers").read_text().split():
                candidates.append((_V2, True))
        if (_V1 / "cpu.cfs_quota_us").is_file():
            candidates.append((_V1, False))
        for root, v2 in candidates:
            folder = root / name
            try:
                folder.mkdir()
            except OSError:
                continue
            quota = cls(folder, v2)
            if quota.limit(None):
                return quota
            quota.close()
        return None

    @functools.cached_property
    def procs(self) -> str:
        return str(self.folder / "cgroup.procs")

    def limit(self, share: float | None) -> bool:
        """``share`` CPUs per period from now on (None: no limit). False when the kernel refuses. Called at each
        invocation's start, and the write itself matters: writing a quota refills the current period (the kernel's
        tg_set_cfs_bandwidth), so every invocation begins with its whole share, as on Lambda where invocations of a
        simulation are seconds apart in virtual time, though back to back here. The file stays open: the write is
        then all a warm invocation pays."""
        try:
            if self.v2:
                value = "max" if share is None else str(max(1000, round(share * PERIOD_US)))
                self._write("cpu.max", f"{value} {PERIOD_US}")
            else:
                if self._share == "unset":
                    self._write("cpu.cfs_period_us", str(PERIOD_US))
                self._write("cpu.cfs_quota_us", "-1" if share is None else str(max(1000, round(share * PERIOD_US))))
        except OSError:
            self._share = "unset"
            return False
        self._share = share
        return True

    def _write(self, name: str, text: str) -> None:
        fd = self._fds.get(name)
        if fd is None:
            fd = self._fds[name] = os.open(self.folder / name, os.O_WRONLY | os.O_CLOEXEC)
        os.pwrite(fd, text.encode("ascii"), 0)

    def close(self) -> None:
        """Remove the cgroup (its processes are gone by then; a straggler moves it up to the parent first)."""
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()
        with contextlib.suppress(OSError):
            for pid in (self.folder / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    (self.folder.parent / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)

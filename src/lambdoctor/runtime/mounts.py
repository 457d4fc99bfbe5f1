"""The execution environment's file system, as Lambda's: its own ``/tmp`` (a tmpfs of the ephemeral-storage size)
and the function's layers at ``/opt``, read-only (DG "Working with layers": "Lambda extracts the layer contents into
the /opt directory"; a later layer's files overwrite an earlier one's).

Both are mounts in a private mount namespace of the worker (as root, or through a user namespace), so nothing of
the machine changes and everything is gone when the worker ends. Where Linux refuses, the caller falls back (a
private temporary folder for ``/tmp``; the layers' folders on ``sys.path`` where they are). Part of the worker's
bundle (runtime/interpreter.py): standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from dataclasses import dataclass, field
from typing import Any

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 1 << 14, 1 << 18
MNT_DETACH = 2
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000


@dataclass
class Mounted:
    tmp: bool = False
    opt: bool = False
    # the machine's folders the mounts hide, still reachable through a descriptor: {"/tmp": "/proc/self/fd/N"}
    hidden: dict[str, str] = field(default_factory=dict)


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _private_namespace(libc: Any) -> bool:
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWNS | (CLONE_NEWUSER if uid != 0 else 0)) != 0:
        return False
    try:
        if uid != 0:
            for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
                with open(f"/proc/self/{name}", "w", encoding="ascii") as fh:
                    fh.write(text)
    except OSError:
        return False
    return bool(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0)


def _interpreter_folders(root: str) -> list[str]:
    """The folders of the interpreter the handler runs on that lie under ``root`` (a virtualenv of a checkout under
    /tmp; a CI runner's Python under /opt/hostedtoolcache): mounted again at their own paths, read-only, so that a
    process the handler starts with ``sys.executable`` finds it."""
    wanted = {os.path.dirname(os.path.dirname(os.path.abspath(sys.executable))), sys.prefix, sys.base_prefix}
    return sorted(p for p in wanted if p.startswith(root + "/"))


def _bind_back(libc: Any, old: str, root: str, paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.makedirs(path, exist_ok=True)
            if libc.mount(f"{old}/{path[len(root) + 1:]}".encode(), path.encode(), None, MS_BIND | MS_REC, None) == 0:
                libc.mount(None, path.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)


def _escape(path: str) -> str:
    # overlayfs splits lowerdir on ':' and its options on ','; a backslash escapes either (Documentation/
    # filesystems/overlayfs.rst)
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def _merge(libc: Any, target: str, sources: list[str]) -> bool:
    """``sources`` seen as one read-only folder at ``target``, the first on top: a bind mount for one, a read-only
    overlay (lower layers only) for several."""
    if len(sources) == 1:
        if libc.mount(sources[0].encode(), target.encode(), None, MS_BIND | MS_REC, None) != 0:
            return False
        return bool(libc.mount(None, target.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None) == 0)
    lower = ":".join(_escape(s) for s in sources)
    return bool(libc.mount(b"overlay", target.encode(), b"overlay", MS_RDONLY, f"lowerdir={lower}".encode()) == 0)


def _mount_layers(libc: Any, layers: list[tuple[str, str]]) -> str | None:
    """Each layer's top folders (``python``, ``bin``, ``lib``, ...) merged at ``/opt/<name>`` on a tmpfs ``/opt``
    that ends read-only, as Lambda's is. ``layers`` are (the folder whose files go to /opt, the folder that is
    /opt/python) in the function's order. Returns the hidden /opt's path, or None where it could not be done."""
    if not os.path.isdir("/opt"):
        return None
    tops: dict[str, list[str]] = {}
    for root, python in reversed(layers):  # the later layer on top
        tops.setdefault("python", []).append(python)
        if root != python:
            with contextlib.suppress(OSError):
                for entry in sorted(os.listdir(root)):
                    if entry != "python" and os.path.isdir(os.path.join(root, entry)):
                        tops.setdefault(entry, []).append(os.path.join(root, entry))
    old = os.open("/opt", os.O_PATH | os.O_DIRECTORY)
    hidden = f"/proc/self/fd/{old}"
    if libc.mount(b"tmpfs", b"/opt", b"tmpfs", 0, b"size=1m,mode=755") != 0:
        os.close(old)
        return None
    for name, sources in tops.items():
        target = f"/opt/{name}"
        os.mkdir(target)
        if not _merge(libc, target, sources):
            libc.umount2(b"/opt", MNT_DETACH)
            os.close(old)
            return None
    _bind_back(libc, hidden, "/opt", [p for p in _interpreter_folders("/opt")
                                       if p[len("/opt/"):].split("/")[0] not in tops])
    libc.mount(None, b"/opt", None, MS_REMOUNT | MS_RDONLY, b"size=1m,mode=755")
    return hidden


def mount(size_mb: int, layers: list[tuple[str, str]]) -> Mounted:
    """This process's own /tmp and, when the function has layers, its own /opt. Call it once, before the handler
    is imported; the paths of modules and variables that pointed into hidden folders are rerouted."""
    done = Mounted()
    if not sys.platform.startswith("linux"):
        return done
    libc = _libc()
    if not _private_namespace(libc):
        return done
    # /opt first: a layer's folder may be under the machine's /tmp, hidden once /tmp is replaced
    if layers:
        opt = _mount_layers(libc, layers)
        if opt is not None:
            done.opt = True
            done.hidden["/opt"] = opt
    old_tmp = os.open("/tmp", os.O_PATH | os.O_DIRECTORY)  # kept open: the way back to what the mount hides
    if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, f"size={size_mb}m".encode()) != 0:
        os.close(old_tmp)
    else:
        done.tmp = True
        done.hidden["/tmp"] = f"/proc/self/fd/{old_tmp}"
        _bind_back(libc, done.hidden["/tmp"], "/tmp", _interpreter_folders("/tmp"))
    _reroute(done.hidden)
    return done


def _reroute(hidden: dict[str, str]) -> None:
    """Python itself, lambdoctor or the handler's libraries may be installed under a folder a mount now hides (a
    checkout or a virtualenv under /tmp, a runner's Python under /opt): their import paths now go through the
    descriptor of the hidden folder."""
    if not hidden:
        return

    def moved(path: str) -> str:
        for root, old in hidden.items():
            if path == root or path.startswith(root + "/"):
                return old + path[len(root):]
        return path

    sys.path[:] = [moved(p) for p in sys.path]
    # HOME and a named profile's AWS files may be under /tmp too (both are folders of the machine's)
    for name in ("HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        if name in os.environ:
            os.environ[name] = moved(os.environ[name])
    for module in list(sys.modules.values()):
        package_path = getattr(module, "__path__", None)
        if isinstance(package_path, list):
            package_path[:] = [moved(p) for p in package_path]
    sys.path_importer_cache.clear()

"""The interpreter a handler runs on, and the files of the runtime around it, as Lambda's Python runtime has them.

Lambda runs a ``pythonX.Y`` function on Python X.Y with a ``sys.path`` of its own (DG "Working with layers", "Layer
paths for each Lambda runtime", and "Building Lambda functions with Python"): the function's code (``/var/task``),
the layers (``/opt/python/lib/pythonX.Y/site-packages``, ``/opt/python``), the runtime's own packages (the AWS SDK:
boto3, botocore and what they need) and the standard library, nothing else. A worker started on lambdoctor's own
interpreter with its virtualenv would import ``requests``, ``yaml`` or ``pydantic`` the package lacks, and say "works"
where Lambda fails with ``Runtime.ImportModuleError``.

So the worker is started as ``<pythonX.Y> -I -S <bundle>/bootstrap.py``: isolated (no ``PYTHON*`` variables, no
user site, not the script's folder) and without ``site`` (no site-packages at all). The bundle holds a copy of the
worker's three modules under a package name of their own (``_lambdoctor_runtime``, as Lambda's runtime client lives
in ``/var/runtime``: lambdoctor itself is never importable in there) and an ``sdk`` folder with a copy (hard links
where possible) of the installed boto3, botocore, s3transfer, jmespath, dateutil, urllib3 and six.

The interpreter is found by version: pyenv's versions, uv's managed Pythons, then ``pythonX.Y`` on PATH; each is
asked for its version. When none has the version, lambdoctor's own runs the handler and says so.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# What Lambda's Python runtimes ship besides the standard library: the AWS SDK and its dependencies (the runtime
# images' /var/lang/lib/pythonX.Y/site-packages). The installed versions are copied, not Lambda's exact ones.
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
_BUNDLED = ("worker", "mounts", "wire", "aws_capture")
PACKAGE = "_lambdoctor_runtime"
_LAYOUT = 2  # the bundle's layout: a new number makes a new bundle (2: the SDK copied, no longer linked)


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int]
    exact: bool  # the version the function's Runtime names
    note: str | None = None  # said to the user when the version is not the runtime's


def wanted_version(runtime: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _candidates(version: tuple[int, int]) -> list[str]:
    major, minor = version
    name = f"python{major}.{minor}"
    found: list[str] = []
    # HOME's, and the user's home in the password database (a run with another HOME still finds them)
    homes = list(dict.fromkeys([Path.home(), Path(pwd.getpwuid(os.getuid()).pw_dir)]))
    roots = [Path(os.environ["PYENV_ROOT"]) / "versions"] if os.environ.get("PYENV_ROOT") else []
    roots += [home / ".pyenv" / "versions" for home in homes]
    uv_roots = [Path(os.environ["UV_PYTHON_INSTALL_DIR"])] if os.environ.get("UV_PYTHON_INSTALL_DIR") else []
    uv_roots += [home / ".local" / "share" / "uv" / "python" for home in homes]

    def patch(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.name)[2:3] or [0])

    searched = [(root, f"{major}.{minor}.*") for root in roots]
    searched += [(root, f"cpython-{major}.{minor}.*") for root in uv_roots]
    for root, pattern in searched:
        if root.is_dir():
            for folder in sorted(root.glob(pattern), key=patch, reverse=True):
                if (folder / "bin" / name).is_file():
                    found.append(str(folder / "bin" / name))
    on_path = shutil.which(name)
    if on_path and "/shims/" not in on_path:  # a pyenv shim answers for the version pyenv selects, not this one
        found.append(on_path)
    return found


@functools.cache
def _version_of(path: str) -> tuple[int, int] | None:
    try:
        done = subprocess.run([path, "-I", "-S", "-c", "import sys; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
                              env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split()
    return (int(parts[0]), int(parts[1])) if done.returncode == 0 and len(parts) == 2 else None


@functools.cache
def find(runtime: str) -> Interpreter:
    """The interpreter for a function's ``Runtime``; lambdoctor's own, with a note, when the machine has none."""
    own = (sys.version_info.major, sys.version_info.minor)
    version = wanted_version(runtime)
    if version is None:
        return Interpreter(sys.executable, own, False, f"{runtime or 'this runtime'} is not a Python runtime: "
                           f"the handler ran on Python {own[0]}.{own[1]}")
    if version == own:
        return Interpreter(sys.executable, own, True)
    for path in _candidates(version):
        if _version_of(path) == version:
            return Interpreter(path, version, True)
    return Interpreter(sys.executable, own, False,
                       f"no Python {version[0]}.{version[1]} on this machine (pyenv, uv or python{version[0]}."
                       f"{version[1]} on PATH) for Runtime {runtime}: the handler ran on Python {own[0]}.{own[1]}")


def _sources() -> dict[str, str]:
    """The bundled modules' text, their imports of each other renamed to the bundle's package."""
    here = Path(__file__).parent
    out = {}
    for name in _BUNDLED:
        text = (here / f"{name}.py").read_text(encoding="utf-8")
        out[name] = text.replace("from lambdoctor.runtime import ", f"from {PACKAGE} import ").replace(
            "from lambdoctor.runtime.", f"from {PACKAGE}.")
    return out


_BOOTSTRAP = f"""\
# Started as `python -I -S bootstrap.py FD` (runtime/interpreter.py): the bundle's folder is not on sys.path yet.
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from {PACKAGE} import worker
worker.run_from_fd(int(sys.argv[1]))
"""


def _sdk_paths() -> dict[str, str]:
    """Each SDK package's folder (or module file) as installed beside lambdoctor, found without importing it."""
    import importlib.util

    paths = {}
    for name in SDK_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        paths[name] = str(origin.parent if origin.name == "__init__.py" else origin)
    return paths


def _link_or_copy(source: str, target: str) -> str:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


@functools.lru_cache(maxsize=1)
def bundle() -> Path:
    """The bundle's folder, made once per content (in the user's cache, else a temporary folder): bootstrap.py,
    the package and ``sdk``."""
    sources, packages = _sources(), _sdk_paths()
    digest = hashlib.sha256(repr((_LAYOUT, sorted(sources.items()), sorted(packages.items()), _BOOTSTRAP)).encode()
                            ).hexdigest()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdoctor" / "runtime"
    for root in (cache, Path(tempfile.gettempdir()) / f"lambdoctor-runtime-{os.getuid()}"):
        target = root / digest[:16]
        if (target / "bootstrap.py").is_file():
            return target
        try:
            root.mkdir(parents=True, exist_ok=True)
            building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
            (building / PACKAGE).mkdir()
            (building / PACKAGE / "__init__.py").write_text("", encoding="utf-8")
            for name, text in sources.items():
                (building / PACKAGE / f"{name}.py").write_text(text, encoding="utf-8")
            (building / "sdk").mkdir()
            for path in packages.values():
                # copies (hard links where the file system allows), not symbolic links: a virtualenv under /tmp
                # is hidden from the worker once it has its own /tmp, and a link into it would lead nowhere
                target_path = building / "sdk" / Path(path).name
                if os.path.isdir(path):
                    shutil.copytree(path, target_path, copy_function=_link_or_copy,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    _link_or_copy(path, str(target_path))
            (building / "bootstrap.py").write_text(_BOOTSTRAP, encoding="utf-8")  # last: marks it complete
            try:
                os.rename(building, target)
            except OSError:  # another process made it meanwhile
                shutil.rmtree(building, ignore_errors=True)
            if (target / "bootstrap.py").is_file():
                return target
        except OSError:
            continue
    raise OSError("lambdoctor could not write its runtime bundle (the cache folder and the temporary folder "
                  "are not writable)")


def _compile(found: Interpreter, folder: Path) -> None:
    """Byte-compile the SDK once for this interpreter, as Lambda's runtimes ship it: the worker runs with
    PYTHONDONTWRITEBYTECODE, and compiling botocore from source at every cold start would make the init seconds
    long (more under a small function's CPU share). A failure only leaves the SDK uncompiled."""
    marker = folder / f".compiled-{found.version[0]}.{found.version[1]}"
    if marker.is_file():
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run([found.path, "-I", "-S", "-m", "compileall", "-q", "-j", "0", str(folder)],
                              capture_output=True, timeout=600, stdin=subprocess.DEVNULL,
                              env={"PATH": "/usr/bin:/bin"})
        if done.returncode == 0:
            marker.write_text("", encoding="utf-8")


def _imports_sdk(python: str, folder: Path) -> bool:
    try:
        done = subprocess.run([python, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(folder)!r}); "
                               "import boto3, botocore.session"], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.cache
def sdk(found: Interpreter) -> tuple[Path | None, str | None]:
    """The SDK folder for this interpreter, and a note when there is none. The installed SDK (copied in the bundle)
    serves when it imports there; an older Python may need older releases (urllib3 2 needs 3.10 on recent
    releases; Lambda's python3.9 runtime ships urllib3 1.26): they are installed once into the cache with that
    interpreter's pip (``pip install --target``, from PyPI)."""
    copied = bundle() / "sdk"
    checked = copied / f".imports-{found.version[0]}.{found.version[1]}"  # asked once, not on every run
    if found.path == sys.executable or checked.is_file() or _imports_sdk(found.path, copied):
        _compile(found, copied)
        with contextlib.suppress(OSError):
            checked.touch()
        return copied, None
    own = bundle() / f"sdk-{found.version[0]}.{found.version[1]}"
    if (own / ".complete").is_file():
        return own, None
    building = Path(tempfile.mkdtemp(prefix=".sdk-", dir=bundle()))
    try:
        done = subprocess.run([found.path, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               "--no-input", "--target", str(building), "boto3"], capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        done = subprocess.CompletedProcess([], 1, "", str(exc))
    if done.returncode == 0 and _imports_sdk(found.path, building):
        _compile(found, building)
        (building / ".complete").write_text("", encoding="utf-8")
        try:
            os.rename(building, own)
        except OSError:  # made meanwhile by another run
            shutil.rmtree(building, ignore_errors=True)
        return own, None
    shutil.rmtree(building, ignore_errors=True)
    last = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
    return None, (f"the AWS SDK (boto3) does not import on Python {found.version[0]}.{found.version[1]} and could "
                  f"not be installed for it ({last[0][:200]}): the handler runs without boto3")

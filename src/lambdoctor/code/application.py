"""Attach code facts to applications: every Python function's handler, each file parsed once per scan.

Large projects are analyzed on every core: handlers are grouped by file (a file serving several functions
stays in one group, so it is still parsed once), the groups are shared out to forked workers, and only the
small, picklable facts travel back. Small projects stay in-process, where a fork would cost more than it saves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from lambdoctor.code.handler import analyze_handler
from lambdoctor.code.scope import ProjectCache
from lambdoctor.code.source import HandlerLocation, ParsedModule, locate_handler, read_location
from lambdoctor.facts import CodeFacts, Suppression
from lambdoctor.model import Application, Function
from lambdoctor.problems import Problem

PARALLEL_MIN_HANDLERS = 400  # below this a second process costs more (fork, result transfer) than it saves


@dataclass(frozen=True)
class _Job:
    app: int  # index of the application
    fn: Function
    loc: HandlerLocation


@dataclass
class _Outcome:
    facts: dict[tuple[int, str], CodeFacts] = field(default_factory=dict)
    missing: dict[tuple[int, str], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    suppressions: dict[str, tuple[Suppression, ...]] = field(default_factory=dict)
    files: int = 0

    def merge(self, other: _Outcome) -> None:
        self.facts.update(other.facts)
        self.missing.update(other.missing)
        self.problems += other.problems
        self.suppressions.update(other.suppressions)
        self.files += other.files


def _key(job: _Job) -> tuple[str, str]:
    return (job.loc.file or f"{job.fn.ref.file}#{job.fn.id}", job.loc.name)


def _run(jobs: list[_Job]) -> _Outcome:
    cache = ProjectCache()
    out = _Outcome()
    by_handler: dict[tuple[str, str], CodeFacts] = {}
    for job in jobs:
        fn, key = job.fn, _key(job)
        if key in by_handler:  # the same handler serves several functions: analyzed once
            out.facts[(job.app, fn.id)] = replace(by_handler[key], function=fn.id)
            continue
        parsed = _parse(cache, job.loc, fn)
        if isinstance(parsed, Problem):
            out.problems.append(parsed)
            out.missing[(job.app, fn.id)] = f"{parsed.file} could not be parsed"
            continue
        try:
            result = analyze_handler(cache, parsed, fn.id, job.loc.name)
        except RecursionError:
            out.problems.append(Problem(parsed.file, 1, 1, "Python source nested too deeply to analyze"))
            out.missing[(job.app, fn.id)] = f"{parsed.file} is nested too deeply to analyze"
            continue
        by_handler[key] = result
        out.facts[(job.app, fn.id)] = result
    out.problems += cache.problems
    for module in [*cache.parsed.values(), *cache.inline]:
        if isinstance(module, ParsedModule) and module.suppressions:
            out.suppressions[module.file] = module.suppressions
    out.files = len(cache.parsed)
    return out


def _parse(cache: ProjectCache, loc: HandlerLocation, fn: Function) -> ParsedModule | Problem:
    if loc.file is not None and loc.zip_path is None:
        parsed = cache.load(loc.file, loc.root)
        return parsed if parsed is not None else cache.parsed[loc.file]
    result = read_location(loc, fn)
    if isinstance(result, ParsedModule):
        cache.inline.append(result)
    return result


_SHARDS: list[list[_Job]] = []  # set before forking; the workers read it from the copied memory


def _run_shard(index: int) -> _Outcome:
    return _run(_SHARDS[index])


def _shards(jobs: list[_Job], count: int) -> list[list[_Job]]:
    groups: dict[str, list[_Job]] = {}
    for job in jobs:  # one code folder per group: files shared by its handlers are parsed in one worker
        groups.setdefault(job.loc.root or _key(job)[0], []).append(job)
    shards: list[list[_Job]] = [[] for _ in range(count)]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(shards, key=len).extend(group)
    return [s for s in shards if s]


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _run_all(jobs: list[_Job]) -> _Outcome:
    workers = min(_workers(), 8)
    if workers < 2 or len(jobs) < PARALLEL_MIN_HANDLERS:
        return _run(jobs)
    import multiprocessing  # only large projects pay for importing it

    if "fork" not in multiprocessing.get_all_start_methods():
        return _run(jobs)
    global _SHARDS
    _SHARDS = _shards(jobs, workers)
    try:
        with multiprocessing.get_context("fork").Pool(len(_SHARDS)) as pool:
            parts = pool.map(_run_shard, range(len(_SHARDS)))
    except (OSError, multiprocessing.ProcessError):  # no fork allowed here: do it in-process
        return _run(jobs)
    finally:
        _SHARDS = []
    out = _Outcome()
    for part in parts:
        out.merge(part)
    return out


def analyze_applications(apps: list[Application]) -> tuple[list[Application], list[Problem], int]:
    """Every application with its code facts; the problems met (SYS000); how many Python files were read."""
    jobs: list[_Job] = []
    missing: dict[tuple[int, str], str] = {}
    for i, app in enumerate(apps):
        for fn in app.functions.values():
            loc = locate_handler(fn)
            if isinstance(loc, str):
                missing[(i, fn.id)] = loc
            elif loc is not None:
                jobs.append(_Job(i, fn, loc))
    out = _run_all(jobs)
    out.missing.update(missing)
    result = []
    for i, app in enumerate(apps):
        facts = {fid: f for (a, fid), f in out.facts.items() if a == i}
        why = {fid: w for (a, fid), w in out.missing.items() if a == i}
        result.append(replace(app, code=dict(sorted(facts.items())), code_missing=dict(sorted(why.items())),
                              code_suppressions={**app.code_suppressions, **out.suppressions}))
    problems = list({(p.file, p.line, p.reason): p for p in out.problems}.values())
    return result, problems, out.files

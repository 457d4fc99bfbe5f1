"""Attach code facts to an application: every Python function's handler, each file parsed once per scan."""

from __future__ import annotations

from dataclasses import replace

from lambdoctor.code.analyzer import ProjectCache, analyze_handler
from lambdoctor.code.source import HandlerLocation, ParsedModule, SourceProblem, locate_handler, read_location
from lambdoctor.facts import CodeFacts, Suppression
from lambdoctor.model import Application, Function


def analyze_application(app: Application, cache: ProjectCache) -> tuple[Application, list[SourceProblem]]:
    facts: dict[str, CodeFacts] = {}
    missing: dict[str, str] = {}
    problems: list[SourceProblem] = []
    by_handler: dict[tuple[str, str], CodeFacts] = {}
    for fn in app.functions.values():
        loc = locate_handler(fn)
        if loc is None:
            continue
        if isinstance(loc, str):
            missing[fn.id] = loc
            continue
        key = (loc.file or f"{fn.ref.file}#{fn.id}", loc.name)
        if key in by_handler:  # the same handler serves several functions: analyzed once
            facts[fn.id] = replace(by_handler[key], function=fn.id)
            continue
        parsed = _parse(cache, loc, fn)
        if isinstance(parsed, SourceProblem):
            problems.append(parsed)
            missing[fn.id] = f"{parsed.file} could not be parsed"
            continue
        try:
            result = analyze_handler(cache, parsed, fn.id, loc.name)
        except RecursionError:
            problems.append(SourceProblem(parsed.file, 1, 1, "Python source nested too deeply to analyze"))
            missing[fn.id] = f"{parsed.file} is nested too deeply to analyze"
            continue
        by_handler[key] = result
        facts[fn.id] = result
    problems.extend(cache.problems)
    cache.problems.clear()
    problems = list({(p.file, p.line, p.reason): p for p in problems}.values())
    suppressions: dict[str, tuple[Suppression, ...]] = {}
    for parsed_module in [*cache.parsed.values(), *cache.inline]:
        if isinstance(parsed_module, ParsedModule) and parsed_module.suppressions:
            suppressions[parsed_module.file] = suppressions.get(parsed_module.file, ()) + parsed_module.suppressions
    return replace(app, code=facts, code_missing=missing, code_suppressions=suppressions), problems


def _parse(cache: ProjectCache, loc: HandlerLocation, fn: Function) -> ParsedModule | SourceProblem:
    if loc.file is not None and loc.zip_path is None:
        parsed = cache.load(loc.file, loc.root)
        return parsed if parsed is not None else cache.parsed[loc.file]
    result = read_location(loc, fn)
    if isinstance(result, ParsedModule):
        cache.inline.append(result)
    return result

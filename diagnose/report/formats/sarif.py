"""SARIF 2.1.0, as GitHub code scanning reads it (``--output-format sarif``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from diagnose import __version__
from diagnose.lint.finding import Finding
from diagnose.lint.fix.model import Fix
from diagnose.lint.rule import Rule
from diagnose.report.formats.fingerprint import fingerprints
from diagnose.report.formats.paths import repo_relative, repo_root
from diagnose.report.formats.sources import SourceLines

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "%SRCROOT%"


def render(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    import json

    json.dump(sarif_log(findings, sources), stream, indent=2)
    stream.write("\n")


def sarif_log(findings: list[Finding], sources: SourceLines | None = None) -> dict[str, object]:
    """The whole SARIF log: one run, every rule in the catalogue, one result per finding."""
    from diagnose.lint.rules import all_rules

    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    hashes = fingerprints(findings, sources or SourceLines())
    driver = {"name": "predlint", "version": __version__, "semanticVersion": __version__,
              "rules": [_rule(rule) for rule in rules]}
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {ROOT_ID: {"uri": repo_root().as_uri() + "/"}},
        "results": [_result(f, index[f.code], hashes[f]) for f in findings],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _section(doc: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return match.group(1).strip() if match else ""


def _rule(rule: type[Rule]) -> dict[str, object]:
    doc = rule.documentation()
    level = rule.severity.value
    descriptor: dict[str, object] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": " ".join(_section(doc, "What it does").split()) or rule.summary()},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level, "enabled": rule.default_enabled},
        "properties": {"precision": "high", "problem.severity": level, "tags": ["predlint", "multiprocessing"]},
    }
    reference = re.search(r"https?://\S+", _section(doc, "References"))
    if reference:
        descriptor["helpUri"] = reference.group(0)
    return descriptor


def _artifact(path: str) -> dict[str, str]:
    relative = repo_relative(path)
    if relative is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(relative), "uriBaseId": ROOT_ID}


def _result(f: Finding, rule_index: int, fingerprint: str) -> dict[str, object]:
    region = {"startLine": f.row, "startColumn": f.column, "endLine": f.end_row, "endColumn": f.end_column}
    related = {"relatedLocations": [
        {"id": number, "message": {"text": what},
         "physicalLocation": {"artifactLocation": _artifact(path), "region": {"startLine": row}}}
        for number, (path, row, what) in enumerate(f.related)]} if f.related else {}
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.path), "region": region}}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        **related,
        **({"fixes": [_fix(f.fix, f.path)]} if f.fix else {}),
    }


def _fix(fix: Fix, path: str) -> dict[str, object]:
    """A finding's fix as a SARIF ``fix``: one artifact change with a replacement per edit."""
    replacements = [{"deletedRegion": {"startLine": e.row, "startColumn": e.column, "endLine": e.end_row,
                                       "endColumn": e.end_column},
                     "insertedContent": {"text": e.content}} for e in fix.edits]
    return {"description": {"text": fix.message},
            "artifactChanges": [{"artifactLocation": _artifact(path), "replacements": replacements}],
            "properties": {"applicability": fix.applicability}}

"""JUnit XML: a test suite per file, a failing test case per finding (``--output-format junit``)."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import report_path


def render(findings: list[Finding], stream: TextIO, sources: object = None) -> None:
    """The report; ``sources`` is unused (JUnit names lines only)."""
    import xml.etree.ElementTree as ET

    count = str(len(findings))
    root = ET.Element("testsuites", name="predlint", tests=count, failures=count, errors="0")
    for path, group in groupby(sorted(findings), key=lambda f: f.path):
        items = list(group)
        name = report_path(path)
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(items)), failures=str(len(items)),
                              errors="0", skipped="0")
        for f in items:
            case = ET.SubElement(suite, "testcase", name=f"predlint.{f.code}", classname=name.removesuffix(".py"),
                                 file=name, line=str(f.row), column=str(f.column))
            failure = ET.SubElement(case, "failure", message=f.message, type=f.code)
            failure.text = f"line {f.row}, col {f.column}, {f.code} {f.message}"
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="predlint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="No errors found", classname="predlint")
        root.set("tests", "1")
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")

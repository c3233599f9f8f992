"""The CI report formats: SARIF (schema-valid, GitHub's fields), github, gitlab, junit, json-lines, grouped;
stable fingerprints; PREDLINT_OUTPUT_FORMAT/FILE; the GitHub Actions example the README shows."""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ci_support import CLEAN, HAZARD, findings_of, make_project, render
from diagnose.lint.command import OUTPUT_FORMATS
from diagnose.lint.rules import all_rules
from diagnose.report.lint_output import FORMATS
from lint_support import FIXTURES, ROOT, predlint

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"  # OASIS's schema; licence beside it
WORKFLOW = ROOT / "docs" / "github-actions.yml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one hazardous and one clean file; the working directory is its top."""
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, {"src/job.py": HAZARD, "src/clean.py": CLEAN})


def test_every_format_is_offered() -> None:
    assert set(OUTPUT_FORMATS) == set(FORMATS)


@pytest.fixture(scope="module")
def fixtures_sarif(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The SARIF log of every shipped fixture, every rule selected, from the real command."""
    out = tmp_path_factory.mktemp("sarif") / "predlint.sarif"
    files = [str(p.relative_to(ROOT)) for p in sorted(FIXTURES.glob("DLK*.py"))]
    result = predlint("check", "--no-cache", "--select", "ALL", "--output-format", "sarif", "--output-file",
                      str(out), *files)
    assert result.returncode == 1, result.stderr
    return json.loads(out.read_text())


def test_sarif_of_the_fixtures_is_valid_against_the_schema(fixtures_sarif: dict) -> None:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(fixtures_sarif), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_sarif_has_what_github_code_scanning_reads(fixtures_sarif: dict) -> None:
    assert fixtures_sarif["version"] == "2.1.0"
    (run,) = fixtures_sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "predlint" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == [rule.code for rule in all_rules()]
    for descriptor, rule in zip(driver["rules"], all_rules()):
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"] == {"text": rule.documentation(), "markdown": rule.documentation()}
        assert descriptor["helpUri"].startswith("https://")
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value
        assert descriptor["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert descriptor["properties"]["problem.severity"] == rule.severity.value
    assert {r["ruleId"] for r in run["results"]} == {rule.code for rule in all_rules()}, "a fixture per rule"
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root.startswith("file:///") and root.endswith("/")
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning") and result["message"]["text"]
        (location,) = result["locations"]
        artifact, region = location["physicalLocation"]["artifactLocation"], location["physicalLocation"]["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert re.fullmatch(r"fixtures/lint/DLK\d{3}\w*\.py", artifact["uri"])
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        assert re.fullmatch(r"[0-9a-f]{16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"])


def test_sarif_levels_follow_severity(project: Path) -> None:
    findings = findings_of(project / "src" / "job.py")
    results = json.loads(render("sarif", findings))["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [(f.code, f.severity.value) for f in findings]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/job.py"


def _fingerprints(output_format: str, path: Path) -> list[tuple[str, str]]:
    report = json.loads(render(output_format, findings_of(path)))
    if output_format == "sarif":
        results = report["runs"][0]["results"]
        return [(r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"]) for r in results]
    return [(issue["check_name"], issue["fingerprint"]) for issue in report]


@pytest.mark.parametrize("output_format", ["sarif", "gitlab"])
def test_fingerprints_survive_unrelated_lines_moving(project: Path, output_format: str) -> None:
    job = project / "src" / "job.py"
    before = _fingerprints(output_format, job)
    job.write_text('"""A docstring added above."""\nimport os\n\n\n' + HAZARD.replace("    return x\n",
                                                                                   "    y = x\n    return y\n"))
    after = _fingerprints(output_format, job)
    assert len(before) == 2 and after == before
    job.write_text(HAZARD.replace("pool.map(work, [model])", "pool.map(work, [model, model])"))
    assert _fingerprints(output_format, job) != before, "editing the reported line changes its fingerprint"


def test_identical_lines_get_distinct_fingerprints(project: Path) -> None:
    job = project / "src" / "job.py"
    job.write_text(HAZARD + "        pool.map(work, [model])\n")
    hashes = [h for _, h in _fingerprints("gitlab", job)]
    assert len(hashes) == len(set(hashes)) == 3
    assert sorted(h.split(":")[1] for h in hashes) == ["1", "1", "2"]


def test_github_annotations(project: Path) -> None:
    lines = render("github", findings_of(project / "src" / "job.py")).splitlines()
    assert lines[1].startswith("::error title=predlint (DLK101),file=src/job.py,line=10,col=9,endLine=10,"
                               "endColumn=32::src/job.py:10:9: DLK101 ")
    assert all(re.match(r"::(error|warning) title=predlint \(DLK\d{3}\),file=", line) for line in lines)


def test_github_escapes_properties_and_message() -> None:
    from diagnose.lint.finding import Finding, Severity
    from diagnose.report.formats.github import annotation

    finding = Finding("a,b:c.py", 1, 2, 3, 4, "DLK503", "async-result-dropped", "50% lost\nsecond line",
                      Severity.WARNING, 1)
    line = annotation(finding)
    assert line.startswith("::warning title=predlint (DLK503),file=a%2Cb%3Ac.py,line=1,col=2,endLine=3,endColumn=4::")
    assert line.endswith("DLK503 50%25 lost%0Asecond line") and "\n" not in line


def test_gitlab_code_quality(project: Path) -> None:
    issues = json.loads(render("gitlab", findings_of(project / "src" / "job.py")))
    assert [i["check_name"] for i in issues] == ["DLK201", "DLK101"]
    first = issues[1]
    assert set(first) == {"description", "check_name", "fingerprint", "severity", "location"}
    assert first["description"].startswith("DLK101: ")
    assert first["severity"] == "major"
    assert first["location"] == {"path": "src/job.py", "lines": {"begin": 10, "end": 10}}


def test_junit_structure(project: Path) -> None:
    findings = findings_of(project / "src" / "job.py", project / "src" / "clean.py")
    root = ET.fromstring(render("junit", findings))
    assert root.tag == "testsuites" and root.get("tests") == root.get("failures") == "2"
    (suite,) = root
    assert suite.tag == "testsuite" and suite.get("name") == "src/job.py" and suite.get("failures") == "2"
    cases = list(suite)
    assert [c.get("name") for c in cases] == ["predlint.DLK201", "predlint.DLK101"]
    assert [(c.get("line"), c.get("column")) for c in cases] == [("9", "10"), ("10", "9")]
    for case in cases:
        (failure,) = case
        assert failure.tag == "failure" and failure.get("message") and failure.text.startswith("line ")


def test_junit_without_findings_is_one_passing_case() -> None:
    root = ET.fromstring(render("junit", []))
    (suite,) = root
    (case,) = suite
    assert root.get("failures") == "0" and case.get("name") == "No errors found" and len(case) == 0


def test_json_lines_match_json(project: Path) -> None:
    findings = findings_of(project / "src" / "job.py")
    lines = render("json-lines", findings).splitlines()
    assert [json.loads(line) for line in lines] == json.loads(render("json", findings))


def test_grouped(project: Path) -> None:
    fork, model = findings_of(project / "src" / "job.py")
    text = render("grouped", [fork, model])
    assert text == f"src/job.py:\n   9:10 DLK201 [error] {fork.message}\n  10:9  DLK101 [error] {model.message}\n\n"


def test_environment_chooses_format_and_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREDLINT_OUTPUT_FORMAT", "json-lines")
    result = predlint("check", "src", cwd=project)
    assert result.returncode == 1
    assert [json.loads(line)["code"] for line in result.stdout.splitlines()] == ["DLK201", "DLK101"]
    flag = predlint("check", "--output-format", "concise", "src", cwd=project)
    assert flag.stdout.startswith("src/job.py:9:10: DLK201"), "the flag wins over the environment"
    out = project / "reports" / "predlint.xml"
    monkeypatch.setenv("PREDLINT_OUTPUT_FORMAT", "junit")
    monkeypatch.setenv("PREDLINT_OUTPUT_FILE", str(out))
    result = predlint("check", "src", cwd=project)
    assert result.returncode == 1 and result.stdout == "" and ET.parse(out).getroot().tag == "testsuites"


@pytest.mark.parametrize("args, env, needle", [
    (["--output-format", "sarif2"], {}, "invalid choice: 'sarif2'"),
    ([], {"PREDLINT_OUTPUT_FORMAT": "xml"}, "unknown output format 'xml'"),
    (["--output-file", "/proc/predlint/out.json"], {}, "cannot write /proc/predlint/out.json"),
    ([], {"PREDLINT_OUTPUT_FILE": "/proc/predlint.json"}, "cannot write /proc/predlint.json"),
])
def test_bad_output_options_are_one_line_and_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                    args: list[str], env: dict[str, str], needle: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = predlint("check", *args, "src", cwd=project)
    assert result.returncode == 2 and needle in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_github_actions_example_runs_predlint_and_uploads_its_sarif() -> None:
    import yaml

    from diagnose.cli import build_parser

    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert set(workflow) >= {"name", True, "jobs"}  # YAML 1.1 reads the key `on` as True
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    (command,) = [s["run"] for s in job["steps"] if "predlint check" in s.get("run", "")]
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert args.func.__name__ == "run_check" and args.output_format == "sarif"
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == str(args.output_file)
    assert upload.get("if") == "always()", "findings fail the check step; the upload must still run"


def test_readme_shows_the_github_actions_example() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```ya?ml\n(.*?)```", readme, re.S) if "upload-sarif" in b]
    assert blocks == [WORKFLOW.read_text()], "the README's workflow block must be docs/github-actions.yml verbatim"

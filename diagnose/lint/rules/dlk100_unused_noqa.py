"""DLK100."""

from collections.abc import Iterator

from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule


class UnusedNoqa(Rule):
    """
    ## What it does
    Finds `# noqa` directives that suppress no predlint finding: a `# noqa: DLKnnn` whose code was not
    reported on that line (or is not enabled, or does not exist), and a blanket `# noqa` on a line with
    no finding at all. Codes of other tools (`E501`, `F401`, ...) are left alone. Off by default; turn
    it on with `--extend-select DLK100`.

    ## Why is this bad?
    A suppression outlives the code it was written for. Once the hazard is fixed, a stale
    `# noqa: DLK101` silently hides the next real hazard on that line. predlint produces this finding
    itself while applying suppressions, like ruff's RUF100.

    ## Example
    ```python
    import multiprocessing

    def work(x):
        return x * 2  # noqa: DLK101
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(x):
        return x * 2
    ```

    ## References
    - https://docs.astral.sh/ruff/rules/unused-noqa/
    - https://flake8.pycqa.org/en/latest/user/violations.html#in-line-ignoring-errors
    """

    code = "DLK100"
    name = "unused-noqa"
    severity = Severity.WARNING
    default_enabled = False

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        return iter(())

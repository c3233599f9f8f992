"""DLK000."""

from collections.abc import Iterator

from diagnose.lint.rule import ModuleFacts, Report, Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports a file that cannot be read or parsed as Python. Only files the byte pre-filter lets
    through are read (they name TensorFlow, Keras, a process library, ...); one whose bytecode this
    Python wrote from its current bytes (`__pycache__/*.pyc`, as pip and imports leave) compiled, so
    it is not parsed again to say so.

    ## Why is this bad?
    predlint reads code as an AST without importing it; a file it cannot parse is a file it cannot
    check, so the problem is reported instead of being skipped silently. The engine produces this
    finding itself, on the line the parser names.

    ## Example
    ```python
    def predict(:
        pass
    ```

    ## Use instead
    ```python
    def predict():
        pass
    ```

    ## References
    - https://docs.python.org/3/library/ast.html#ast.parse
    """

    code = "DLK000"
    name = "syntax-error"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        return iter(())

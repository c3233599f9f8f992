"""Directory the harness puts first on the target's ``PYTHONPATH``: it holds only ``sitecustomize``."""

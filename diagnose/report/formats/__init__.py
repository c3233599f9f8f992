"""Machine-readable report formats for CI systems, one module per format, each exposing ``render``."""

"""Renderers: rich terminal output and machine-readable files for each command's results."""

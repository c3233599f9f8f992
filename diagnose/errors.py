"""Errors shared by every predlint command."""


class UsageError(Exception):
    """Bad input from the user (path, option, config key): one line on stderr, exit code 2."""

"""``predlint check --show-settings``: every field of the effective settings, one per line, with where it
came from when it is not the default (the config file, the command line, or inferred from the project)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from typing import TextIO

from diagnose.lint.config import Settings

Stage = tuple[str, Settings]  # (where its changes came from, the settings after it)


def _value(value: object) -> str:
    """A setting as JSON (tuples as lists, paths as strings, None as null)."""
    return json.dumps(value, default=str)


def setting_lines(config: str | None, stages: Sequence[Stage]) -> list[str]:
    """The config file, then ``name = value  # origin`` for each field of :class:`Settings` (whatever fields
    it has), the origin being the last stage that changed it (none for a default), then the rules the
    selection enables."""
    previous = Settings()
    origins: dict[str, str] = {}
    for origin, settings in stages:
        for field in fields(Settings):
            if getattr(settings, field.name) != getattr(previous, field.name):
                origins[field.name] = origin
        previous = settings
    lines = [f"config-file = {_value(config)}"]
    for field in fields(Settings):
        origin = f"  # {origins[field.name]}" if field.name in origins else ""
        lines.append(f"{field.name.replace('_', '-')} = {_value(getattr(previous, field.name))}{origin}")
    lines.append(f"enabled-rules = {_value(sorted(previous.enabled_codes()))}")
    return lines


def show_settings(config: str | None, stages: Sequence[Stage], stream: TextIO) -> None:
    stream.writelines(line + "\n" for line in setting_lines(config, stages))

"""Configuration files: YAML read with one-line errors, and pydantic's first complaint said in one line.

Shared by every YAML file dancecore reads (adapter, bot, training, tagging, build recipes).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import yaml

from dancecore.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import ValidationError


def read_yaml(path: str | Path, missing: str) -> Any:
    """The parsed YAML document of `path` (None for an empty file); ConfigError `<path>: <missing>` when there
    is no such file, naming the line of a syntax error otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: {missing}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}; fix the syntax (indentation, colons)") from None


def one_line(exc: ValidationError, known: Callable[[tuple], Iterable[str]] | None = None) -> str:
    """The first validation problem as `section.option: what is wrong (got ...)`; for an unknown option, the
    options `known(location of its section)` lists there."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        options = ", ".join(known(error["loc"][:-1])) if known else ""
        return f"{where}: unknown option" + (f"; known here: {options}" if options else "")
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a check across options: the message names them
        return message
    got = repr(error.get("input"))
    return f"{where}: {message} (got {got if len(got) <= 60 else got[:57] + '...'})"

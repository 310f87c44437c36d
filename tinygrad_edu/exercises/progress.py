"""The learner's progress, remembered as JSON in their folder (``DIR/.progress.json``).

Every file this package writes into the learner's folder is written atomically: to a temporary
file in the same folder first, then renamed over the target, so an interrupted write never
leaves half a file behind. The progress file is plain JSON (never pickle):

    {"format": 1, "exercises": {"1": {"status": "passed", "attempts": 2, ...}}}
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "PROGRESS_FILE", "backup_file", "ensure_progress_file", "load_progress", "record_check",
    "record_hint", "record_reset", "status_of", "write_text_atomically",
]

PROGRESS_FILE = ".progress.json"
BACKUP_FOLDER = ".backups"
FORMAT = 1


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> write_text_atomically(folder / "a.txt", "hello")
        >>> (folder / "a.txt").read_text()
        'hello'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _now() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_progress(directory: str | Path) -> dict[str, Any]:
    """The progress recorded in ``directory`` (an empty record when there is none yet).

    Raises:
        ValueError: The progress file exists but is not progress JSON; the message says how
            to recover.

    Example:
        >>> load_progress("/nonexistent")
        {'format': 1, 'exercises': {}}
    """
    path = Path(directory) / PROGRESS_FILE
    if not path.is_file():
        return {"format": FORMAT, "exercises": {}}
    try:
        progress = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {path} ({error}); delete it to start the record afresh "
                         "(your exercise files are not touched)") from error
    if not isinstance(progress, dict) or not isinstance(progress.get("exercises"), dict):
        raise ValueError(f"{path} is not a progress file; delete it to start the record afresh")
    return progress


def _save(directory: str | Path, progress: dict[str, Any]) -> None:
    """Write the progress record of ``directory`` atomically."""
    text = json.dumps(progress, indent=2, sort_keys=True) + "\n"
    write_text_atomically(Path(directory) / PROGRESS_FILE, text)


def _entry(progress: dict[str, Any], number: int) -> dict[str, Any]:
    """The record of exercise ``number``, created when missing."""
    defaults = {"status": "not checked", "attempts": 0, "hints_shown": 0, "resets": 0,
                "last_checked": None, "first_passed": None, "last_message": None}
    entry: dict[str, Any] = progress["exercises"].setdefault(str(number), {})
    for key, value in defaults.items():
        entry.setdefault(key, value)
    return entry


def record_check(directory: str | Path, number: int, passed: bool, message: str) -> None:
    """Remember one check: its outcome, the attempt count, and the message's first line.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> record_check(folder, 3, False, "Not written yet.")
        >>> load_progress(folder)["exercises"]["3"]["status"]
        'failing'
    """
    progress = load_progress(directory)
    entry = _entry(progress, number)
    entry["attempts"] += 1
    entry["status"] = "passed" if passed else "failing"
    entry["last_checked"] = _now()
    entry["last_message"] = message.splitlines()[0] if message else ""
    if passed and entry["first_passed"] is None:
        entry["first_passed"] = entry["last_checked"]
    _save(directory, progress)


def record_hint(directory: str | Path, number: int) -> None:
    """Count a hint shown for exercise ``number``.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> record_hint(folder, 1)
        >>> load_progress(folder)["exercises"]["1"]["hints_shown"]
        1
    """
    progress = load_progress(directory)
    _entry(progress, number)["hints_shown"] += 1
    _save(directory, progress)


def record_reset(directory: str | Path, number: int, backup: Path | None) -> None:
    """Remember that exercise ``number`` was reset to its stub (and where the backup went).

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> record_reset(folder, 2, None)
        >>> load_progress(folder)["exercises"]["2"]["status"]
        'not checked'
    """
    progress = load_progress(directory)
    entry = _entry(progress, number)
    entry["resets"] += 1
    entry["status"] = "not checked"
    entry["last_backup"] = None if backup is None else str(backup.name)
    _save(directory, progress)


def ensure_progress_file(directory: str | Path) -> None:
    """Create an empty progress record in ``directory`` unless one exists."""
    if not (Path(directory) / PROGRESS_FILE).is_file():
        _save(directory, load_progress(directory))


def status_of(progress: dict[str, Any], number: int, file_exists: bool) -> str:
    """What ``list`` shows: 'no file', 'not checked', 'failing' or 'passed'.

    Example:
        >>> status_of({"exercises": {"1": {"status": "passed"}}}, 1, True)
        'passed'
    """
    if not file_exists:
        return "no file"
    entry = progress["exercises"].get(str(number), {})
    return str(entry.get("status", "not checked"))


def backup_file(path: Path) -> Path:
    """Copy ``path`` to ``.backups/<stem>.<n>.py`` beside it (the first free n); return the copy.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "ex01.py").write_text("mine")
        >>> backup_file(folder / "ex01.py").name
        'ex01.1.py'
    """
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    counter = 1
    while (folder / f"{path.stem}.{counter}{path.suffix}").exists():
        counter += 1
    target = folder / f"{path.stem}.{counter}{path.suffix}"
    write_text_atomically(target, path.read_text(encoding="utf-8"))
    return target

"""Where a run writes its results, checked before anything is read or sent: a usable path,
not the input, not a real run's results under a dry run, not a retry already made.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import ConfigError, DryRunResults, InputFileError
from ..models import Status
from ..options import ImportOptions
from ..read.results_input import SENT_STATUSES, results_statuses
from .results import check_results_path
from .run_files import RunFiles


def check_paths(options: ImportOptions) -> Path:
    """The results path, once the input and results paths are known to be usable (before
    anything is read or sent); raises UsageError naming the path otherwise."""
    if options.input.is_dir():
        raise InputFileError(f"{options.input} is a folder: name the spreadsheet to import, "
                             "e.g. wawp-import contacts.xlsx")
    results_path = options.results_path()
    check_results_path(results_path)
    if options.results_copy is not None:
        check_results_path(options.results_copy)
    if results_path.is_dir():
        raise ConfigError(f"the results path {results_path} is a folder: name a file, e.g. "
                          f"--results {results_path / 'contacts.results.csv'}")
    folder = results_path.parent
    if not folder.is_dir():
        raise ConfigError(f"cannot write the results to {results_path}: the folder {folder} "
                          "does not exist")
    if results_path.resolve() == options.input.resolve():
        raise ConfigError(f"the results would overwrite the input {options.input}: name "
                          "another file with --results")
    if options.dry_run:
        check_dry_run_target(results_path, options)
    elif options.retrying and options.results is None:
        check_not_retried_already(results_path, options)
    return results_path


def check_not_retried_already(results_path: Path, options: ImportOptions) -> None:
    """Refuse a retry whose results are there already from a real run: that retry was run,
    and doing it again would send its rows again (the rows still to retry are in its
    results). A retry left unfinished (its journal is there) is resumed, not refused."""
    if options.resume or RunFiles.of(results_path).unfinished():
        return
    counts = results_statuses(results_path) if results_path.is_file() else None
    if counts and sum(counts[status] for status in SENT_STATUSES):
        flag = "--retry-failed" if options.retry_failed else "--retry-invalid"
        raise ConfigError(
            f"{options.input.name} was retried already: the results of that retry are in "
            f"{results_path}. Retry those instead ({flag} {results_path}), or name other "
            "results with --results to retry this file again")


def check_dry_run_target(results_path: Path, options: ImportOptions) -> None:
    """Refuse a dry run that would overwrite a real run's results (rows sent ok, failed or
    not attempted, or a journal beside them): a --retry-failed printed by that run reads
    them, and would take a dry run's `ready` rows for rows to send."""
    default = dataclasses.replace(options, results=None).results_path()
    hint = ("name another file with --results" if default == results_path
            else f"leave --results out (a dry run writes {default.name}) or name another file")
    journal = RunFiles.of(results_path).journal
    if journal.exists():
        raise ConfigError(f"a dry run does not write over {results_path}: an unfinished run "
                          f"left its journal {journal.name} beside it; {hint}")
    if not results_path.is_file():
        return
    counts = results_statuses(results_path)
    sent = sum(counts[status] for status in SENT_STATUSES) if counts else 0
    if sent:
        raise ConfigError(f"a dry run does not write over {results_path}: it holds the "
                          f"results of a real run ({sent:,} rows sent ok, failed or not "
                          f"attempted); {hint}")


def check_not_dry_run_results(path: Path) -> None:
    """Refuse to retry a dry run's results (rows `ready`): nothing was sent, so nothing is
    to be retried; the import itself is what sends them."""
    counts = results_statuses(path)
    ready = counts[Status.READY] if counts else 0
    if not ready:
        return
    spreadsheet = spreadsheet_of(path)
    raise DryRunResults(
        f"nothing to retry: {path.name} holds a dry run's results ({ready:,} rows ready, "
        "nothing was sent); to send them, run the import of "
        + (spreadsheet.name if spreadsheet is not None else "the spreadsheet")
        + " without --dry-run", spreadsheet=spreadsheet)


#: The kinds of spreadsheet an import reads (to find the one a dry run's results came from).
SPREADSHEET_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".vcf"})


def spreadsheet_of(results: Path) -> Path | None:
    """The one spreadsheet beside `results` whose name it was given (book.dry-run.csv →
    book.xlsx), or None when there is none or more than one."""
    stem = results.name.partition(".dry-run.")[0].partition(".results.")[0]
    stem = stem.rpartition(".retry")[0] if ".retry" in stem else stem
    found = [p for p in results.parent.glob(f"{glob_escape(stem)}.*")
             if p.suffix.lower() in SPREADSHEET_SUFFIXES and p.stem == stem and p.is_file()]
    return found[0] if len(found) == 1 else None


def glob_escape(text: str) -> str:
    """`text` matched literally by Path.glob."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


__all__ = ["SPREADSHEET_SUFFIXES", "check_dry_run_target", "check_not_dry_run_results",
           "check_not_retried_already", "check_paths", "glob_escape", "spreadsheet_of"]

"""One job of the web app on disk: its phase, its state and settings, its files.

A job is a folder under ``<data dir>/jobs/<id>/``:

    upload/<name>        the uploaded file, under a sanitized name (never the client's path)
    settings.json        what the page chose (sheet, columns, region…); never the token
    state.json           phase, what the reader decided, the preview, progress, the summary
    preview.csv          the dry run's results (every row as it would be sent)
    fixes.json           cells fixed on the page, by row and column (importer/fixes.py)
    results.csv/.xlsx    the import's results, as the CLI writes them

While an import is unfinished, the pipeline keeps its journal beside results.csv
(`pipeline.run_files`): a job with one can resume.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..pipeline import run_files
from ..report.summary import write_json
from ..send.control import RunControl
from .files import private
from .settings import Settings

# -- phases --------------------------------------------------------------------------------------

class Phase(StrEnum):
    """Where a job stands; saved in state.json as its value."""

    CHECKING = "checking"        # the dry run is running
    CHECKED = "checked"          # preview ready; the import can start
    INVALID = "invalid"          # the file or the settings cannot be used (message says why)
    WAITING = "waiting"          # the import waits for another import to the same instance
    IMPORTING = "importing"
    DONE = "done"                # the import ran through (maybe stopped: see the summary)
    FAILED = "failed"            # the import could not run (preflight, credentials, disk…)
    INTERRUPTED = "interrupted"  # the server stopped while the import was running
    #: The server was killed during the import: its results are being rebuilt from the
    #: journal (then the job is INTERRUPTED, showing what was really sent).
    RECOVERING = "recovering"


CHECKING, CHECKED, INVALID, WAITING, IMPORTING, DONE, FAILED, INTERRUPTED, RECOVERING = Phase
BUSY_PHASES = frozenset({CHECKING, WAITING, IMPORTING, RECOVERING})

#: How often progress is written to state.json while an import runs (for a restarted server).
SAVE_INTERVAL = 1.0
JOB_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


class JobError(Exception):
    """A request about a job that cannot be served."""

    status = 400


class JobNotFound(JobError):
    """No job has that id (it never existed, or was deleted)."""

    status = 404


class JobBusy(JobError):
    """The job is checking, waiting or importing: that request must wait."""

    status = 409


class UploadTooLarge(JobError):
    """The upload is bigger than the server takes."""

    status = 413



@dataclass
class JobState:
    """What the page shows about a job, and what state.json keeps of it (never the token)."""

    id: str
    name: str        # the file's name on the user's machine: shown, never used as a path
    file: str        # the sanitized name it is stored under, in upload/
    created: str
    kind: str = "import"             # or "retry": the input is another job's results
    parent: str | None = None        # the job a retry re-sends the failures of
    phase: Phase = CHECKING
    message: str = ""
    waiting_for: str | None = None
    waiting_for_name: str | None = None  # the file that import is sending, for the page
    table: dict[str, Any] | None = None
    columns: dict[str, Any] | None = None
    preview: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    retries: list[str] = field(default_factory=list)  # jobs that retried this one's failures
    #: Start the import as soon as the check passes (the "retry the failures" button).
    autostart: bool = False
    #: Why the last import stopped before its end ("stopped from the page"…), else "".
    stopped: str = ""
    #: Rows still to send after the last import (failed, not attempted or never reached).
    remaining: int | None = None
    #: The check's warning when the numbers look foreign to the region, naming a better one.
    region_warning: str | None = None
    #: The region the check read the numbers in, and where it came from when the settings
    #: did not name it ({"code": "EG", "source": "the instance's number +20…"}).
    region: dict[str, Any] | None = None
    #: What kind of problem `message` is, when the page words it apart: "api_unreachable"
    #: (the WAWP API gave no answer; the file itself may be fine), else "".
    problem: str = ""
    #: The setting `message` is about ("header_row", "last_name_format"…): the page shows
    #: the message beside that setting's box too.
    field: str | None = None
    #: The import sends every row, those the ledger has as already in the address book too
    #: (the page's "Send again anyway"); kept, so a resumed import does the same.
    resend: bool = False
    #: The name of the number (the server's instance) the job sends to; None in a job from
    #: before a server had named numbers.
    instance: str | None = None
    #: Which instance that number was when the job was made (`Instance.key`: base URL and
    #: instance ID): a number renamed in the instances file is still found, and a name
    #: pointed at another instance since is never taken for it. None in older jobs.
    instance_key: str | None = None
    #: The remembered mapping the job started from (web/remembered.py `view`), until forgotten.
    remembered: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobState:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "phase" in values:
            values["phase"] = Phase(values["phase"])  # an unknown phase: a damaged job
        return cls(**values)


class Job:
    """One job's folder, its state, and the run going on for it, if any."""

    def __init__(self, folder: Path, state: JobState, settings: Settings) -> None:
        self.folder = folder
        self.state = state
        self.settings = settings
        self.lock = threading.RLock()
        self.control: RunControl | None = None
        self.thread: threading.Thread | None = None
        #: Raised by every settings change, so an outdated check never overwrites a newer one.
        self.check_generation = 0
        self.check_lock = threading.Lock()  # checks of one job run one at a time
        #: Why the job cannot send at all (its number is not configured any more), else None.
        self.unavailable: str | None = None
        self._saved = 0.0

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def upload(self) -> Path:
        return self.folder / "upload" / self.state.file

    @property
    def preview_csv(self) -> Path:
        return self.folder / "preview.csv"

    @property
    def fixes_json(self) -> Path:
        return self.folder / "fixes.json"

    @property
    def results_csv(self) -> Path:
        return self.folder / "results.csv"

    @property
    def results_xlsx(self) -> Path:
        return self.folder / "results.xlsx"

    def download_name(self, ending: str) -> str:
        """What a downloaded file is called: the upload's stem and `ending` (".results.csv")."""
        return Path(self.state.file).stem.removesuffix(".results") + ending

    def update(self, **changes: Any) -> None:
        """Change the state and save it."""
        with self.lock:
            for name, value in changes.items():
                setattr(self.state, name, value)
            self.save()

    def save(self) -> None:
        with self.lock:
            for name, data in (("state.json", dataclasses.asdict(self.state)),
                               ("settings.json", self.settings.to_json())):
                write_json(self.folder / name, data)
                private(self.folder / name)
            self._saved = time.monotonic()

    def save_now_and_then(self) -> None:
        """Save, at most once per SAVE_INTERVAL (called for every row of an import)."""
        if time.monotonic() - self._saved >= SAVE_INTERVAL:
            self.save()

    @property
    def to_send(self) -> int:
        """How many contacts the check found to send (0 before the check)."""
        return int((self.state.preview or {}).get("to_send") or 0)

    @property
    def already(self) -> int:
        """How many contacts the check found already in the address book (the ledger's)."""
        return int(((self.state.preview or {}).get("already") or {}).get("count") or 0)

    def unfinished(self) -> bool:
        """Whether an import left its journal: some rows went out, not all did."""
        return run_files(self.results_csv).unfinished()

    def next_step(self) -> str | None:
        """How the rows not yet sent can be sent, if any remain: "resume" (this job again,
        skipping the rows its journal has as sent), "retry" (a new job from this one's
        results), else None. One way at most, so no row can be offered twice: once a retry
        job took the remaining rows, this job offers nothing more."""
        state = self.state
        if state.retries or not state.remaining or state.phase not in (DONE, FAILED,
                                                                       INTERRUPTED):
            return None
        if self.unfinished():
            return "resume"
        if state.phase == DONE and self.results_csv.exists():
            return "retry"
        return None

    def view(self) -> dict[str, Any]:
        """The job as the page gets it: its state, settings, and what can be done next."""
        with self.lock:
            data = copy.deepcopy(dataclasses.asdict(self.state))
            data["settings"] = self.settings.to_json()
            phase = self.state.phase
            step = self.next_step()
            nothing_sent = not self.unfinished() and not self.results_csv.exists()
            data["can"] = {
                "edit": phase in (CHECKED, INVALID) and self.state.kind == "import",
                "import": (self.to_send > 0
                           and (phase == CHECKED or (phase in (FAILED, INTERRUPTED)
                                                     and nothing_sent))),
                # "Send again anyway": the one way to send what the ledger has as sent
                "resend": (self.already > 0
                           and (phase == CHECKED or (phase in (FAILED, INTERRUPTED)
                                                     and nothing_sent))),
                "send_remaining": step is not None,
                "resume": step == "resume",
                "stop": phase in (WAITING, IMPORTING),
                "retry": step == "retry",
                "delete": phase not in BUSY_PHASES,
            }
            if self.unavailable:
                for action in ("import", "resend", "send_remaining", "resume", "retry"):
                    data["can"][action] = False
                data["message"] = self.unavailable
            data["to_send"] = self.to_send
            data["to_retry"] = self.state.remaining or 0 if step else 0
            #: whether cells were fixed on the page (the check lists which)
            data["has_fixes"] = self.fixes_json.is_file()
            data["downloads"] = {"csv": self.results_csv.exists(),
                                 "xlsx": self.results_xlsx.exists(),
                                 "preview": self.preview_csv.exists()}
        return data

    def listing(self) -> dict[str, Any]:
        """The job's line in the list of jobs."""
        with self.lock:
            state = self.state
            counts = (state.summary or state.preview or {}).get("counts", {})
            progress = state.progress or {}
            return {"id": state.id, "name": state.name, "created": state.created,
                    "instance": state.instance,
                    "kind": state.kind, "phase": state.phase, "counts": counts,
                    "problem": state.problem, "percent": progress.get("percent"),
                    # "Stopped after N of M" counts the whole job, across its resumes
                    "done": progress.get("job_done", progress.get("done")),
                    "total": progress.get("job_total", progress.get("total")),
                    "stopped": state.stopped,
                    "remaining": state.remaining if self.next_step() else 0,
                    "taken_by": state.retries[-1] if state.retries else None,
                    "waiting_for_name": state.waiting_for_name if state.waiting_for else None}


def new_job_id() -> str:
    """A new job's id: when it was made, and 6 random hex digits (see JOB_ID)."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"



__all__ = ["BUSY_PHASES", "CHECKED", "CHECKING", "DONE", "FAILED", "IMPORTING", "INTERRUPTED",
           "INVALID", "JOB_ID", "RECOVERING", "WAITING", "Job", "JobBusy", "JobError",
           "JobNotFound", "JobState", "Phase", "UploadTooLarge", "new_job_id"]

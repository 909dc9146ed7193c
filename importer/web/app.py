"""The web app's HTTP side: the page, its JSON API and the downloads (Starlette).

    GET    /                          the page (lists jobs, takes an upload)
    GET    /jobs/<id>                 the same page, showing one job
    GET    /static/…                  the page's script and style (nothing from elsewhere)
    GET    /api/info                  the instance imports go to, the upload limit, the settings
    GET    /api/jobs                  every job in the data folder
    POST   /api/jobs?name=<file>      upload (the body is the file); the check starts
    GET    /api/jobs/<id>             one job: phase, reader's decisions, preview, progress…
    POST   /api/jobs/<id>/settings    change settings (JSON); the check runs again
    POST   /api/jobs/<id>/fixes       fix a row's cell {row, field, value}, undo it {row, field?,
                                      undo: true} or every fix {undo_all: true}: the row's
                                      new outcome; the check runs again
    POST   /api/jobs/<id>/forget-mapping  forget the remembered mapping; checked afresh
    POST   /api/jobs/<id>/import      start the import (it waits for another to the instance)
    POST   /api/jobs/<id>/resend      start it sending the rows already in the address book too
    POST   /api/jobs/<id>/stop        stop it (rows not sent become not_attempted)
    POST   /api/jobs/<id>/retry       a new job re-sending the failures, started at once
    POST   /api/jobs/<id>/remaining   send what an import left: resume it or retry (one way)
    DELETE /api/jobs/<id>             delete the job's folder
    DELETE /api/jobs?phase=invalid    delete every job whose file could not be used
    GET    /jobs/<id>/download/<file> results.csv, results.xlsx or preview.csv
    GET    /activity                  the same page, showing the activity log
    GET    /api/activity              the activity log, newest first (?number=&action=&job=)
    GET    /activity.csv              the same, as a CSV file
    POST   /login, /logout            with named users (--users): sign in (JSON name and
                                      password) and out; handled by security.Guard

Everything about jobs is in jobs.py (and its neighbours job.py, views.py…); security (Host,
password, named users, CSRF) in security.py and users.py; the activity log in activity.py.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..errors import ConfigError, ImporterError
from ..options import ImportOptions
from .activity import (
    ACTIONS,
    USER_KEY,
    ActivityLog,
    ActivityRecorder,
    activity_csv,
    refused_action,
)
from .files import DEFAULT_MAX_UPLOAD_BYTES
from .instances import Instance
from .job import INVALID, JobError
from .jobs import JobStore
from .row_fixes import fix_words
from .security import CSRF_COOKIE, Guard, csrf_token, is_loopback
from .settings import SettingError, page_view
from .users import Users

STATIC = Path(__file__).parent / "static"
#: Upload formats the page offers in its file picker (the reader goes by content anyway).
ACCEPT = ".csv,.tsv,.txt,.tab,.psv,.dat,.xlsx,.xlsm,.xlsb,.xls,.ods,.vcf"
#: What can be downloaded: the job's attribute holding the file, the name's ending, the type.
DOWNLOADS = {"results.csv": ("results_csv", ".results.csv", "text/csv; charset=utf-8"),
             "results.xlsx": ("results_xlsx", ".results.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             "preview.csv": ("preview_csv", ".preview.csv", "text/csv; charset=utf-8")}


def check_binding(host: str, password: str | None, *, behind_proxy: bool = False,
                  users: bool = False) -> None:
    """Refuse to serve beyond loopback without a password (ConfigError says what to do)."""
    if password or users:
        return
    if not is_loopback(host):
        raise ConfigError(f"--host {host} makes the page reachable from other machines: give "
                          "a password with --password-file, WAWP_WEB_PASSWORD or --password")
    if behind_proxy:
        raise ConfigError("--forwarded-allow-ips makes the page reachable from other machines "
                          "through the proxy: give a password with --password-file, "
                          "WAWP_WEB_PASSWORD or --password")


def create_app(options: ImportOptions, *, data_dir: Path, host: str = "127.0.0.1",
               password: str | None = None,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               run_kwargs: dict[str, Any] | None = None,
               behind_proxy: bool = False, users: Users | None = None,
               instances: Sequence[Instance] | None = None) -> Starlette:
    """The web app, importing with `options`' instance, token and pacing into `data_dir`.

    `options.input` is ignored: each job brings its own. `host` is the address the server
    listens on: beyond loopback, or `behind_proxy` (a reverse proxy brings other machines,
    under any Host name), a `password` (or named `users`) is required. `run_kwargs` go to
    run_plan. Every action is recorded in the activity log, in `data_dir`. `instances` are
    the numbers to import to (`instances.read_instances`); without them, `options`'
    instance is the one number.
    """
    check_binding(host, password, behind_proxy=behind_proxy, users=users is not None)
    if users is not None and password:
        raise ConfigError("named users and a password are two ways of signing in: give one")
    activity = ActivityRecorder(ActivityLog(data_dir), number=lambda job: (
        # the job's own number once a server has several; else the server's one instance
        getattr(job.state, "instance", None) or options.instance_id or None))
    store = JobStore(data_dir, options, instances=instances,
                     max_upload_bytes=max_upload_bytes, run_kwargs=run_kwargs,
                     on_event=activity.job_event)
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    login_page = (STATIC / "login.html").read_text(encoding="utf-8")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store.load()
        try:
            yield
        finally:
            store.shutdown()

    def index(request: Request) -> Response:
        return _page(request, page)

    def login(request: Request) -> Response:
        return _page(request, login_page)

    def _page(request: Request, template: str) -> Response:
        token, new = csrf_token(request)
        body = template.replace("__CSRF_TOKEN__", html.escape(token)).replace(
            "__ACCEPT__", ACCEPT)
        response = HTMLResponse(body, headers={"cache-control": "no-store"})
        if new:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                                secure=request.url.scheme == "https")
        return response

    def info(request: Request) -> Response:
        # the default number's fields at the top, as when a server had only one
        numbers = [instance.view() for instance in store.instances.all]
        default = {k: v for k, v in numbers[0].items() if k != "name"}
        return _json({"version": __version__, **default, "instances": numbers,
                      "max_upload_bytes": store.max_upload_bytes, "accept": ACCEPT,
                      "user": request.scope.get(USER_KEY), "users": users is not None,
                      "settings": page_view()})

    def list_jobs(request: Request) -> Response:
        return _json({"jobs": store.listing()})

    async def upload(request: Request) -> Response:
        name = request.query_params.get("name", "").strip() or "upload"
        length_header = request.headers.get("content-length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        job = await store.create(
            name, request.stream(), length=length,
            instance=request.query_params.get("instance") or None,
            # recorded before the check starts: a small file's check can end first
            before_check=lambda job: activity.request(request, "upload", job))
        return _json(job.view(), status=201)

    def get_job(request: Request) -> Response:
        return _json(store.get(request.path_params["job_id"]).view())

    async def change_settings(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise ConfigError("the settings are not valid JSON") from None
        job = store.change_settings(request.path_params["job_id"], data)
        activity.request(request, "settings", job)
        return _json(job.view())

    async def fix_row(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise JobError("the fix is not valid JSON") from None
        job, answer = await asyncio.to_thread(store.fix_row, request.path_params["job_id"],
                                              data)
        # the row and the field only: never the value (a phone number, a name)
        activity.request(request, "fix", job, detail=fix_words(data))
        return _json(answer)

    def forget_mapping(request: Request) -> Response:
        job = store.forget_mapping(request.path_params["job_id"])
        activity.request(request, "forget_mapping", job)
        return _json(job.view())

    def start_import(request: Request) -> Response:
        job = store.start_import(request.path_params["job_id"])
        activity.request(request, "import", job)
        return _json(job.view(), status=202)

    def resend(request: Request) -> Response:
        job = store.start_import(request.path_params["job_id"], resend=True)
        activity.request(request, "resend", job)
        return _json(job.view(), status=202)

    def stop(request: Request) -> Response:
        job = store.stop(request.path_params["job_id"])
        activity.request(request, "stop", job)
        return _json(job.view())

    def retry(request: Request) -> Response:
        parent = store.get(request.path_params["job_id"])
        child = store.retry(parent.id)
        activity.request(request, "retry", parent, started=child,
                         detail=f"sent by job {child.id}")
        return _json(child.view(), status=201)

    def send_remaining(request: Request) -> Response:
        job = store.get(request.path_params["job_id"])
        sender = store.send_remaining(job.id)
        activity.request(request, "remaining", job, started=sender,
                         detail="resumed" if sender is job else f"sent by job {sender.id}")
        return _json(sender.view(), status=202)

    def delete_many(request: Request) -> Response:
        if request.query_params.get("phase") != INVALID:
            raise JobError("only the jobs whose file could not be used (phase=invalid) can be "
                           "deleted together")
        jobs = {job["id"]: store.get(job["id"]) for job in store.listing()
                if job["phase"] == INVALID}
        deleted = store.delete_unreadable()
        for job_id in deleted:
            activity.request(request, "delete", jobs.get(job_id))
        return _json({"deleted": deleted})

    def delete(request: Request) -> Response:
        job = store.get(request.path_params["job_id"])
        store.delete(job.id)
        activity.request(request, "delete", job)
        return Response(status_code=204)

    def download(request: Request) -> Response:
        job = store.get(request.path_params["job_id"])
        what = DOWNLOADS.get(request.path_params["file"])
        if what is None:
            raise JobError("no such download")
        attribute, suffix, media_type = what
        path: Path = getattr(job, attribute)
        if not path.is_file():
            return _json({"error": "this file is not there yet"}, status=404)
        activity.request(request, "download", job, detail=request.path_params["file"])
        return FileResponse(path, media_type=media_type, filename=job.download_name(suffix),
                            headers={"cache-control": "no-store"})

    def activity_filters(request: Request) -> dict[str, str | None]:
        return {key: request.query_params.get(key) or None for key in ("number", "action", "job")}

    def list_activity(request: Request) -> Response:
        limit = request.query_params.get("limit", "")
        entries = activity.log.entries(**activity_filters(request),
                                       limit=int(limit) if limit.isdigit() else 500)
        return _json({"entries": entries, "actions": list(ACTIONS),
                      "numbers": activity.log.numbers()})

    def download_activity(request: Request) -> Response:
        entries = activity.log.entries(**activity_filters(request), limit=None)
        activity.request(request, "download", None, detail="activity.csv")
        return Response("".join(activity_csv(entries)), media_type="text/csv; charset=utf-8",
                        headers={"cache-control": "no-store", "content-disposition":
                                 'attachment; filename="activity.csv"'})

    def signed_in(scope: Any, action: str, user: str | None) -> None:
        activity.request(Request(scope), action, None, user=user)

    async def job_error(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, JobError) else 400
        found = refused_action(request.method, request.url.path)
        if found is not None:
            job = None
            if found[1] is not None:
                try:
                    job = store.get(found[1])
                except JobError:  # no such job (often why it was refused): the entry names none
                    job = None
            activity.refused(request, status, job)
        data = {"error": str(exc)}
        if isinstance(exc, SettingError):
            data["field"] = exc.field  # the page shows the message beside that field
        return _json(data, status=status)

    routes = [
        Route("/", index),
        Route("/jobs/{job_id}", index),
        Route("/api/info", info),
        Route("/api/jobs", list_jobs),
        Route("/api/jobs", upload, methods=["POST"]),
        Route("/api/jobs", delete_many, methods=["DELETE"]),
        Route("/api/jobs/{job_id}", get_job),
        Route("/api/jobs/{job_id}", delete, methods=["DELETE"]),
        Route("/api/jobs/{job_id}/settings", change_settings, methods=["POST"]),
        Route("/api/jobs/{job_id}/fixes", fix_row, methods=["POST"]),
        Route("/api/jobs/{job_id}/forget-mapping", forget_mapping, methods=["POST"]),
        Route("/api/jobs/{job_id}/import", start_import, methods=["POST"]),
        Route("/api/jobs/{job_id}/resend", resend, methods=["POST"]),
        Route("/api/jobs/{job_id}/stop", stop, methods=["POST"]),
        Route("/api/jobs/{job_id}/retry", retry, methods=["POST"]),
        Route("/api/jobs/{job_id}/remaining", send_remaining, methods=["POST"]),
        Route("/jobs/{job_id}/download/{file}", download),
        Route("/activity", index),
        Route("/api/activity", list_activity),
        Route("/activity.csv", download_activity),
        *([Route("/login", login)] if users is not None else []),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(Guard, password=password,
                                           loopback_only=is_loopback(host)
                                           and not behind_proxy,
                                           users=users, on_sign_in=signed_in)],
                    exception_handlers={JobError: job_error, ImporterError: job_error})
    app.state.store = store
    return app


def _json(data: Any, *, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"cache-control": "no-store"})


__all__ = ["ACCEPT", "check_binding", "create_app"]

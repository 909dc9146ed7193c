"""The web page of wawp-importer (`wawp-import serve`): upload, check, import, download.

    serve.py     flags and environment → the app on uvicorn (the only part that prints)
    app.py       the page, its JSON API and the downloads (Starlette)
    security.py  Host check, password, CSRF token, security headers
    jobs.py      the jobs' store: the check (dry run) and the import on threads, through
                 the same pipeline as the command; the settings a page can choose
    job.py       one job: its phase, state and files in its folder
    instance_queue.py   imports to one instance take turns
    views.py     what the page shows: the reader's decisions, summary, reasons, progress
    files.py     owner-only files, safe upload names, sizes in words
    region.py    the instance's own number and a warning when numbers look foreign
    words.py     row problems, notes and errors in the page's words, from their codes
    static/      the page: plain HTML, one small script, one style sheet

From Python:

    from importer import ImportOptions
    from importer.web import create_app

    app = create_app(ImportOptions(input=Path(), instance_id="…", access_token=token),
                     data_dir=Path("wawp-data"))
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]

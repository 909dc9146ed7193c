"""The web page of wawp-importer (`wawp-import serve`): upload, check, import, download.

    serve.py     flags and environment → the app on uvicorn (the only part that prints)
    app.py       the page, its JSON API and the downloads (Starlette)
    security.py  Host check, password, CSRF token, security headers
    jobs.py      one folder per job; the check (dry run) and the import on threads,
                 through the same pipeline as the command
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

"""The mock's web pages under ``/_mock/ui`` (issue 16): what a teacher and a QA engineer look at.

- ``/_mock/ui/`` home: tenants, base URLs, credentials (secrets behind a "show"), token and curl lines;
- ``/_mock/ui/{app}/classes``: the class picker (school, teacher, term, search; roster size; vendor items);
- ``/_mock/ui/{app}/classes/{id}``: the teacher's grade book (IC-VIEW), a grading-period filter, each cell's
  detail and the teacher-edit form (IC-RES-ONE-WAY);
- ``/_mock/ui/{app}/requests``: the request log, newest first, filters, a detail page, HAR, live refresh;
- ``/_mock/ui/{app}/faults``: armed fault rules with their counters, add and remove, scenarios, reset,
  snapshot and restore.

Server-rendered Jinja with plain forms (every action works without JavaScript; ``static/ui.js`` only adds
copying, live refresh and a confirmation), no CDN: nothing leaves the mock. Forms post back here and
redirect (POST/redirect/GET) with a one-line notice. The admin token guards these pages as it guards the
admin API (``edge/context.py``); its cookie is ``SameSite=Strict``, so another site cannot post a form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import flask
from werkzeug.exceptions import HTTPException

from mock_ic import __version__
from mock_ic.control import request_log as log
from mock_ic.control import scenarios, state
from mock_ic.control.faults.rules import EFFECT_KEYS, FaultRule
from mock_ic.control.runtime import Runtime
from mock_ic.control.scenarios import ScenarioError
from mock_ic.control.state import UnknownSnapshot
from mock_ic.errors import OneRosterError
from mock_ic.ic import teacher, view
from mock_ic.mounts import ADMIN_BASE, MOUNTS, tenant_urls
from mock_ic.store import documents
from mock_ic.web import fault_form
from mock_ic.web.jinja import UI, render

PAGE_SIZE = 50  # request-log entries and classes per page


def register(app: flask.Flask) -> None:
    """Add the pages to the server's Flask app (``web/landing.py``)."""
    routes: list[tuple[str, Any, list[str]]] = [
        ("/", home, ["GET"]),
        ("/<app_name>", tenant_root, ["GET"]),
        ("/<app_name>/classes", classes, ["GET"]),
        ("/<app_name>/classes/<class_id>", gradebook, ["GET"]),
        ("/<app_name>/results/<result_id>/teacher-edit", teacher_edit, ["POST"]),
        ("/<app_name>/requests", requests, ["GET"]),
        ("/<app_name>/requests/<int:entry_id>", request_detail, ["GET"]),
        ("/<app_name>/faults", faults, ["GET", "POST"]),
        ("/<app_name>/faults/<rule_id>/delete", delete_fault, ["POST"]),
        ("/<app_name>/scenario", apply_scenario, ["POST"]),
        ("/<app_name>/reset", reset, ["POST"]),
        ("/<app_name>/snapshots", snapshot, ["POST"]),
        ("/<app_name>/snapshots/<name>/restore", restore, ["POST"]),
    ]
    for rule, func, methods in routes:
        app.add_url_rule(UI + rule, f"ui.{func.__name__}", func, methods=methods)
    app.add_url_rule(UI, "ui.bare", lambda: flask.redirect(UI + "/", code=308))
    app.add_url_rule(UI + "/static/<path:filename>", "ui.static", _static)
    app.register_error_handler(OneRosterError, _error_page)
    app.register_error_handler(HTTPException, _error_page)


def paths() -> list[str]:
    """Where the server routes to these pages (starlette path patterns)."""
    return [UI, UI + "/", UI + "/{rest:path}"]


# --- pages -----------------------------------------------------------------------------------------

def home() -> str:
    rt = _runtime()
    origin = _origin(rt)
    tenants = [{"tenant": t, "urls": tenant_urls(origin, t.app_name)} for t in rt.tenants.all()]
    docs = {m.name: f"{origin}{m.base}{m.docs_path}/" for m in MOUNTS}
    return render("home.html", title="mock-ic", tenants=tenants, docs=docs, origin=origin, version=__version__)


def tenant_root(app_name: str) -> flask.Response:
    _require_tenant(app_name)
    return flask.redirect(_url(app_name, "classes"))


def classes(app_name: str) -> str:
    _require_tenant(app_name)
    with _runtime().db.read() as conn:
        every = view.class_list(conn, app_name)
    args = flask.request.args
    chosen = {name: args.get(name, "") for name in ("school", "teacher", "term", "q")}
    shown = [c for c in every if _class_matches(c, **chosen)]
    page = _page_number()
    return render("classes.html", title=f"{app_name} · classes", app=app_name, chosen=chosen, total=len(every),
                   classes=shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], matched=len(shown), page=page,
                   pages=max(1, -(-len(shown) // PAGE_SIZE)), **_class_filters(every))


def gradebook(app_name: str, class_id: str) -> str:
    _require_tenant(app_name)
    period = flask.request.args.get("period") or None
    tenant = _runtime().tenants.get(app_name)
    closed = tenant.settings.closed_grading_periods if tenant else ()
    with _runtime().db.read() as conn:
        grid = view.gradebook_view(conn, app_name, class_id, grading_period=period, closed_grading_periods=closed)
        school = documents.get_doc(conn, app_name, "orgs", grid["class"]["school"]) or {}
    selected = _selected_cell(grid, flask.request.args.get("result"))
    return render("gradebook.html", title=grid["class"]["title"], app=app_name, view=grid,
                   school_name=school.get("name"), uncategorized=view.UNCATEGORIZED, selected=selected,
                   column_count=sum(len(group["lineItems"]) for group in grid["categories"]))


def teacher_edit(app_name: str, result_id: str) -> flask.Response:
    """IC-RES-ONE-WAY: the teacher changes a score in IC; the vendor's next PUT overwrites it."""
    _require_tenant(app_name)
    form = flask.request.form
    back = _back(form.get("back"), _url(app_name, "classes"))
    raw = form.get("score", "").strip()
    try:
        score = float(raw) if raw else None
    except ValueError:
        return _notice(back, f"The score must be a number (or empty to clear it), not {raw!r}", error=True)
    try:
        with _runtime().db.write() as conn:
            teacher.teacher_edit(conn, app_name, result_id, score, comment=form.get("comment"))
    except OneRosterError as exc:
        return _notice(back, exc.description, error=True)
    shown = "cleared" if score is None else view.whole_part(score) + (f" ({raw})" if raw != view.whole_part(score)
                                                                      else "")
    return _notice(back, f"Teacher edit saved: result {result_id} score {shown}")


def requests(app_name: str) -> str:
    _require_tenant(app_name)
    args = flask.request.args
    filters = {"path_glob": args.get("path") or None, "method": args.get("method") or None,
               "status": args.get("status") or None}
    page = _page_number()
    error = None
    try:
        found = log.entries(_runtime().db, app_name, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
        total = log.count(_runtime().db, app_name, **filters)
    except ValueError as exc:  # e.g. a status that is neither 404 nor 4xx
        found, total, error = [], 0, str(exc)
    template = "requests_rows.html" if args.get("partial") == "rows" else "requests.html"
    har_query = urlencode({k: v for k, v in {"path": args.get("path"), "method": args.get("method"),
                                             "status": args.get("status"), "format": "har",
                                             "limit": 1000}.items() if v})
    return render(template, title=f"{app_name} · requests", app=app_name, entries=found, total=total, page=page,
                   pages=max(1, -(-total // PAGE_SIZE)), args=args, error=error,
                   har_url=f"{ADMIN_BASE}/tenants/{quote(app_name, safe='')}/requests?{har_query}",
                   methods=("GET", "PUT", "POST", "DELETE", "PATCH"))


def request_detail(app_name: str, entry_id: int) -> str:
    _require_tenant(app_name)
    entry = log.get(_runtime().db, app_name, entry_id)
    if entry is None:
        flask.abort(404, f"Tenant {app_name!r} has no recorded request {entry_id}")
    return render("request.html", title=f"{entry['method']} {entry['path']}", app=app_name, entry=entry)


def faults(app_name: str) -> str | flask.Response:
    _require_tenant(app_name)
    rt = _runtime()
    if flask.request.method == "POST":
        try:
            rule = FaultRule.from_dict(fault_form.rule_json(flask.request.form))
            rt.faults.add(app_name, rule)
        except (TypeError, ValueError) as exc:
            return _notice(_url(app_name, "faults"), f"The rule was not added: {exc}", error=True)
        return _notice(_url(app_name, "faults"), f"Fault rule {rule.id} armed")
    return render("faults.html", title=f"{app_name} · faults", app=app_name, rules=rt.faults.describe(app_name),
                   scenarios=scenarios.load_all(), snapshots=state.list_snapshots(rt.db, app_name),
                   form=fault_form.FIELDS, effect_keys=EFFECT_KEYS)


def delete_fault(app_name: str, rule_id: str) -> flask.Response:
    _require_tenant(app_name)
    removed = _runtime().faults.remove(app_name, rule_id)
    return _notice(_url(app_name, "faults"), f"Fault rule {rule_id} removed" if removed
                   else f"No fault rule {rule_id!r}: nothing removed", error=not removed)


def apply_scenario(app_name: str) -> flask.Response:
    _require_tenant(app_name)
    name = flask.request.form.get("scenario", "")
    try:
        applied = scenarios.apply(_runtime(), app_name, name)
    except (KeyError, ScenarioError, OneRosterError) as exc:
        return _notice(_url(app_name, "faults"), f"Scenario {name!r} not applied: {exc}", error=True)
    return _notice(_url(app_name, "faults"), f"Scenario {applied['scenario']} applied: {applied['title']}")


def reset(app_name: str) -> flask.Response:
    tenant = _require_tenant(app_name)
    count = state.reset(_runtime().db, tenant)
    return _notice(_url(app_name, "faults"), f"Tenant {app_name} reset to its seeded district ({count} documents)")


def snapshot(app_name: str) -> flask.Response:
    _require_tenant(app_name)
    name = flask.request.form.get("name", "").strip()
    if not name or "/" in name:
        return _notice(_url(app_name, "faults"), f"A snapshot needs a name without '/', not {name!r}", error=True)
    saved = state.save_snapshot(_runtime().db, app_name, name)
    return _notice(_url(app_name, "faults"), f"Snapshot {name} saved ({saved['documents']} documents)")


def restore(app_name: str, name: str) -> flask.Response:
    _require_tenant(app_name)
    try:
        count = state.restore_snapshot(_runtime().db, app_name, name)
    except UnknownSnapshot:
        return _notice(_url(app_name, "faults"), f"No snapshot {name!r}", error=True)
    return _notice(_url(app_name, "faults"), f"Snapshot {name} restored ({count} documents)")


# --- helpers -----------------------------------------------------------------------------------------

def _runtime() -> Runtime:
    return flask.current_app.config["MOCK_IC_RUNTIME"]


def _origin(rt: Runtime) -> str:
    return (rt.settings.public_url or flask.request.host_url).rstrip("/")


def _require_tenant(app_name: str) -> Any:
    tenant = _runtime().tenants.get(app_name)
    if tenant is None:
        flask.abort(404, f"No tenant {app_name!r}")
    return tenant


def _url(app_name: str, *parts: str) -> str:
    return "/".join([UI, quote(app_name, safe=""), *(quote(p, safe="") for p in parts)])


def _back(target: str | None, default: str) -> str:
    """A same-site path to return to (never another host: the form field comes from the browser)."""
    return target if target and target.startswith(UI + "/") and "//" not in target else default


def _notice(target: str, message: str, *, error: bool = False) -> flask.Response:
    separator = "&" if "?" in target else "?"
    key = "error" if error else "notice"
    return flask.redirect(f"{target}{separator}{urlencode({key: message})}", code=303)


def _page_number() -> int:
    raw = flask.request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _class_matches(klass: dict[str, Any], *, school: str, teacher: str, term: str, q: str) -> bool:
    needle = q.strip().casefold()
    return ((not school or klass["school"] == school)
            and (not teacher or any(t["sourcedId"] == teacher for t in klass["teachers"]))
            and (not term or any(t["sourcedId"] == term for t in klass["terms"]))
            and (not needle or needle in klass["title"].casefold() or needle in klass["sourcedId"].casefold()))


def _class_filters(every: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the picker's three selects, from the classes themselves."""
    schools = {c["school"]: c["schoolName"] or c["school"] for c in every}
    teachers = {t["sourcedId"]: t["name"] for c in every for t in c["teachers"]}
    terms = {t["sourcedId"]: t["title"] for c in every for t in c["terms"]}

    def by_label(choices: dict[str, str]) -> list[tuple[str, str]]:
        return sorted(choices.items(), key=lambda item: (item[1].casefold(), item[0]))

    return {"schools": by_label(schools), "teachers": by_label(teachers), "terms": by_label(terms)}


def _selected_cell(grid: dict[str, Any], result_id: str | None) -> dict[str, Any] | None:
    """The cell whose detail and edit form are open (``?result=``), with its student and column."""
    if not result_id:
        return None
    columns = {col["sourcedId"]: col for group in grid["categories"] for col in group["lineItems"]}
    for student in grid["students"]:
        for column_id, cell in student["cells"].items():
            if cell["resultSourcedId"] == result_id:
                return {"cell": cell, "student": student, "column": columns[column_id]}
    return None


def _error_page(exc: OneRosterError | HTTPException) -> tuple[str, int]:
    """An unknown tenant, class or request as a page that says what was not found (status kept)."""
    if isinstance(exc, OneRosterError):
        status, message = exc.status, exc.description
    else:
        status, message = exc.code or 500, exc.description or exc.name
    return render("error.html", title=f"{status}", status=status, message=message), status


def _static(filename: str) -> flask.Response:
    return flask.send_from_directory(flask.current_app.root_path + "/static", filename, max_age=300)

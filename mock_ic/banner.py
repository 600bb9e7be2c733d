"""What ``mock-ic serve`` prints on every start: where to point a client, with what credentials.

The text is part of the command's interface (tests/snapshots/serve-banner*.txt snapshot it).
"""

from __future__ import annotations

from mock_ic import __version__
from mock_ic.control.tenants import Tenant
from mock_ic.mounts import ADMIN_BASE, MOUNTS, SERVICES, TOKEN_PATH
from mock_ic.settings import Settings

_WIDTH = 16  # the label column


def _row(label: str, value: str) -> str:
    return f"  {label:<{_WIDTH}}{value}"


def banner(settings: Settings, demo: Tenant | None, *, admin_token_generated: bool) -> str:
    base = settings.base_url
    app = demo.app_name if demo else "{appName}"
    lines = [f"mock-ic {__version__}: a mock Infinite Campus OneRoster server at {base}"]
    if settings.base_url != f"http://{settings.host}:{settings.port}" and not settings.public_url:
        lines.append(_row("listening on", f"{settings.host}:{settings.port} (every interface)"))
    lines.append(_row("database", settings.database_url))
    lines.append("")
    if demo:
        lines += [
            f"Demo tenant '{demo.app_name}' (public sandbox credentials)",
            _row("client_id", demo.client_id),
            _row("client_secret", demo.client_secret),
            _row("vendor header", f"x-vendor-authorization: {demo.vendor_key}:{demo.vendor_secret}"),
        ]
    else:
        lines.append("No demo tenant (--no-demo): create one with `mock-ic tenant create NAME`.")
    lines.append(_row("token", f"POST {base}{TOKEN_PATH}?appName={app}"))
    lines += ["", "Base URLs: the tenant in the path (as IC), or from the token (IC's path, 1EdTech's path)"]
    for service in SERVICES:
        forms = [service.for_app(app), *_from_token(service.from_token), service.standard]
        label = {"rostering": "1.2 rostering", "gradebook": "1.2 gradebook", "v1p1": "1.1"}[service.key]
        lines += [_row(label if i == 0 else "", base + form) for i, form in enumerate(forms)]
    lines += ["", "Pages and docs"]
    query = f"?admin_token={settings.admin_token}" if admin_token_generated else ""
    lines.append(_row("index", f"{base}/"))
    lines.append(_row("web pages", f"{base}{ADMIN_BASE}/ui/{query}"))
    docs = [f"{base}{m.base}{m.docs_path}/" for m in MOUNTS if m.name in ("rostering-std", "gradebook-std", "v1p1")]
    lines += [_row("API docs" if i == 0 else "", url) for i, url in enumerate(docs)]
    lines.append(_row("admin API docs", f"{base}{ADMIN_BASE}/docs/"))
    lines.append(_row("health", f"{base}{ADMIN_BASE}/health"))
    lines.append(_row("admin token", _admin_token_text(settings, admin_token_generated)))
    lines += ["", "Try it (then send 'Authorization: Bearer <access_token>' to a base URL above):"]
    if demo:
        lines.append(f"  curl -s -u {demo.client_id}:{demo.client_secret} -d grant_type=client_credentials "
                     f"'{base}{TOKEN_PATH}?appName={demo.app_name}'")
    else:
        lines.append(f"  curl -s -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials "
                     f"'{base}{TOKEN_PATH}?appName=APP'")
    return "\n".join(lines) + "\n"


def _from_token(bases: tuple[str, ...]) -> list[str]:
    """The 1.1 split roots read as one line: /campus/api/ims/oneroster/{rostering,gradebook}/v1p1."""
    if len(bases) == 2:
        first, second = (b.split("/") for b in bases)
        differ = [i for i, (x, y) in enumerate(zip(first, second, strict=True)) if x != y]
        if len(differ) == 1:
            i = differ[0]
            return ["/".join([*first[:i], f"{{{first[i]},{second[i]}}}", *first[i + 1:]])]
    return list(bases)


def _admin_token_text(settings: Settings, generated: bool) -> str:
    if generated:
        return (f"{settings.admin_token}  (generated for this start; send it as 'X-Mock-Admin-Token', or fix one "
                "with --admin-token / MOCK_IC_ADMIN_TOKEN)")
    if settings.admin_token:
        return "set by --admin-token / MOCK_IC_ADMIN_TOKEN"
    return "none: the control plane is open on this loopback address"


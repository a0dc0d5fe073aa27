"""Who may use the app: logins from env vars or a file, and a warning for open hosts.

Kept apart from the app so `assistant serve` can refuse a bad login set-up at once, before
loading the model or Gradio.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def exposure_warning(host: str, auth: object) -> str | None:
    """A warning when the app is reachable from other machines without a login."""
    if host in LOCAL_HOSTS or auth:
        return None
    return (
        f"warning: serving on {host} without a login: anyone on the network can use the app. "
        "Set ASSISTANT_APP_USERNAME and ASSISTANT_APP_PASSWORD (or ASSISTANT_AUTH_FILE) "
        "to require one."
    )


def load_auth(settings: Settings) -> list[tuple[str, str]] | None:
    """Logins from the settings (env vars or a file, never the command line), or None."""
    accounts: list[tuple[str, str]] = []
    username = settings.app.username
    secret = settings.app.password.get_secret_value() if settings.app.password else ""
    if username or secret:
        if not (username and secret):
            raise AssistantError(
                "Set both ASSISTANT_APP_USERNAME and ASSISTANT_APP_PASSWORD, or neither."
            )
        accounts.append((str(username), str(secret)))
    if settings.app.auth_file:
        accounts.extend(read_auth_file(Path(settings.app.auth_file)))
    return accounts or None


def read_auth_file(path: Path) -> list[tuple[str, str]]:
    """username:password lines ('#' comments and blank lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"Could not read the login file {path}: {exc}") from None
    accounts = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        username, sep, password = line.partition(":")
        if not sep or not username.strip() or not password:
            raise AssistantError(f"{path}, line {number}: expected username:password")
        accounts.append((username.strip(), password))
    if not accounts:
        raise AssistantError(f"The login file {path} has no username:password line.")
    return accounts

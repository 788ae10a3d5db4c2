"""The fake Slack's side of OAuth installs: the authorize page and `oauth.v2.access`.

As Slack documents them (docs.slack.dev, "Installing with OAuth", the `oauth.v2.access`
method page, "Using token rotation"):

- `GET /oauth/v2/authorize?client_id&scope&user_scope&state&redirect_uri&team`: Slack
  shows the installer a consent page and, once they allow, sends the browser to
  `redirect_uri?code=…&state=…` (the state exactly as given). Here the workspace is the
  one `team` names, registered with `add_workspace` / `add_org` (an org's id installs
  org-wide); `deny_next()` makes the installer cancel (`?error=access_denied&state=…`).
  An unknown client_id or a redirect_uri Slack was not given gets Slack's error page.
- `oauth.v2.access` (client_id/client_secret by HTTP Basic auth, as slack_sdk sends them,
  or as form fields): with `code` (and `redirect_uri` if the authorize step had one)
  answers `{"ok": true, "access_token": "xoxb-…", "token_type": "bot", "scope", "bot_user_id",
  "app_id", "team": {"id", "name"} (null for an org-wide install), "enterprise": null or
  {"id", "name"}, "is_enterprise_install", "authed_user": {"id"}}`, plus `refresh_token` and
  `expires_in` when token rotation is on (`rotation`); with `grant_type=refresh_token`
  and a refresh token, a new access and refresh token (the old refresh token is spent).
  Its errors: `invalid_client_id`, `bad_client_secret`, `invalid_code` (unknown or
  already used: a code works once), `bad_redirect_uri`, `invalid_grant_type`,
  `invalid_refresh_token`.
- Tokens it issued work for the Web API while they last: a rotated token past its
  `expires_in` answers `token_expired`, one of an uninstalled workspace `token_revoked`.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
APP_ID = "A0QUEUEDAY"
TWELVE_HOURS = 43_200


@dataclass
class Grant:
    """One workspace's (or org's) install as the fake knows it."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    org_wide: bool
    bot_user_id: str
    scope: str
    installer: str
    redirect_uri: str | None = None


@dataclass
class Issued:
    grant: Grant
    expires_at: float | None  # None: no rotation, the token lasts until revoked
    revoked: bool = False


@dataclass
class FakeOAuth:
    """The OAuth state of one FakeSlack: workspaces, codes, tokens (thread-safe)."""

    rotation: bool = False
    expires_in: int = TWELVE_HOURS
    workspaces: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)
    _codes: dict[str, Grant] = field(default_factory=dict)
    _tokens: dict[str, Issued] = field(default_factory=dict)
    _refresh: dict[str, Grant] = field(default_factory=dict)
    _deny: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _n: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- what tests set

    def add_workspace(self, team_id: str, name: str, enterprise_id: str | None = None) -> None:
        """A workspace the authorize page can install in (inside an org when given)."""
        enterprise = self.orgs.get(enterprise_id) if enterprise_id else None
        self.workspaces[team_id] = (name, enterprise_id, enterprise)

    def add_org(self, enterprise_id: str, name: str) -> None:
        """An Enterprise Grid org: `team=<its id>` on the authorize page installs org-wide."""
        self.orgs[enterprise_id] = name

    def deny_next(self) -> None:
        """The next installer clicks Cancel on Slack's page."""
        self._deny = True

    def revoke(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Slack's side of an uninstall: the install's tokens stop working."""
        with self._lock:
            for issued in self._tokens.values():
                g = issued.grant
                if (team_id and g.team_id == team_id) or (
                    not team_id and g.org_wide and g.enterprise_id == enterprise_id
                ):
                    issued.revoked = True

    def expire(self, token: str) -> None:
        """Make a rotated token's 12 hours pass."""
        with self._lock:
            self._tokens[token].expires_at = time.time() - 1

    def tokens_of(self, team_or_org: str) -> list[str]:
        """Tokens issued for a workspace or an org, oldest first."""
        with self._lock:
            return [
                t
                for t, i in self._tokens.items()
                if team_or_org in (i.grant.team_id, i.grant.enterprise_id)
            ]

    # -- the browser's side: Slack's authorize page

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of Slack's answer to the authorize page."""
        if query.get("client_id") != CLIENT_ID:
            return 400, {}, b"Slack: invalid_client_id (the app's Client ID is unknown)"
        state = query.get("state", "")
        redirect_uri = query.get("redirect_uri") or None
        if redirect_uri is None:
            return 400, {}, b"Slack: no redirect_uri, and the app has none configured"
        with self._lock:
            deny, self._deny = self._deny, False
        if deny:
            return 302, {"Location": _with(redirect_uri, error="access_denied", state=state)}, b""
        team = query.get("team", "")
        if team in self.orgs:
            grant = Grant(None, None, team, self.orgs[team], True, "U0BOTORG", "", "U0INSTALL")
        elif team in self.workspaces:
            name, enterprise_id, enterprise_name = self.workspaces[team]
            grant = Grant(
                team, name, enterprise_id, enterprise_name, False, f"U0BOT{team}", "", "U0INSTALL"
            )
        else:
            return 400, {}, b"Slack: pick a workspace (team) the fake knows"
        grant.scope = query.get("scope", "")
        grant.redirect_uri = redirect_uri
        code = f"code-{next(self._n)}-{team}"
        with self._lock:
            self._codes[code] = grant
        return 302, {"Location": _with(redirect_uri, code=code, state=state)}, b""

    # -- the Web API's side

    def access(self, params: dict[str, Any], authorization: str) -> dict[str, Any]:
        """`oauth.v2.access`: exchange a code, or a refresh token when rotation is on."""
        client_id, client_secret = _credentials(params, authorization)
        if client_id != CLIENT_ID:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != CLIENT_SECRET:
            return {"ok": False, "error": "bad_client_secret"}
        grant_type = params.get("grant_type") or "authorization_code"
        with self._lock:
            if grant_type == "refresh_token":
                grant = self._refresh.pop(str(params.get("refresh_token")), None)
                if grant is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                return self._issue(grant)
            if grant_type != "authorization_code":
                return {"ok": False, "error": "invalid_grant_type"}
            grant = self._codes.get(str(params.get("code")))
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            given = params.get("redirect_uri")
            if grant.redirect_uri is not None and given != grant.redirect_uri:
                return {"ok": False, "error": "bad_redirect_uri"}
            del self._codes[str(params.get("code"))]  # a code works once
            return self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        n = next(self._n)
        owner = grant.team_id or grant.enterprise_id
        token = f"xoxe.xoxb-1-{owner}-{n}" if self.rotation else f"xoxb-{owner}-{n}"
        expires_at = time.time() + self.expires_in if self.rotation else None
        self._tokens[token] = Issued(grant, expires_at)
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": grant.scope,
            "bot_user_id": grant.bot_user_id,
            "app_id": APP_ID,
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": (
                {"id": grant.enterprise_id, "name": grant.enterprise_name}
                if grant.enterprise_id
                else None
            ),
            "is_enterprise_install": grant.org_wide,
            "authed_user": {"id": grant.installer},
        }
        if self.rotation:
            refresh = f"xoxe-1-{owner}-{n}"
            self._refresh[refresh] = grant
            answer.update(refresh_token=refresh, expires_in=self.expires_in)
        return answer

    def refusal(self, token: str | None) -> str | None:
        """None when `token` is one this fake issued and it still works; else Slack's error."""
        with self._lock:
            issued = self._tokens.get(token or "")
        if issued is None:
            return "not_authed" if token is None else "invalid_auth"
        if issued.revoked:
            return "token_revoked"
        if issued.expires_at is not None and time.time() >= issued.expires_at:
            return "token_expired"
        return None

    def auth_test(self, token: str) -> dict[str, Any]:
        """`auth.test` for an issued token: its workspace, or its org for an org-wide one."""
        with self._lock:
            g = self._tokens[token].grant
        return {
            "url": "https://test.slack.com/",
            "team": g.team_name or g.enterprise_name,
            "user": "queueday",
            "team_id": g.team_id or g.enterprise_id,
            "user_id": g.bot_user_id,
            "bot_id": f"B{g.bot_user_id}",
            "enterprise_id": g.enterprise_id,
            "is_enterprise_install": g.org_wide,
        }


def _credentials(params: dict[str, Any], authorization: str) -> tuple[str | None, str | None]:
    """client_id and client_secret from HTTP Basic auth, else from the form."""
    if authorization.startswith("Basic "):
        try:
            pair = base64.b64decode(authorization[6:]).decode("utf-8")
        except ValueError:
            return None, None
        client_id, _, client_secret = pair.partition(":")
        return client_id, client_secret
    return params.get("client_id"), params.get("client_secret")


def _with(url: str, **query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"

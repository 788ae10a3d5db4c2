"""`queueday console`: type `/queueday …` as someone, read the replies as text.

The lines go through the same Bolt app and listeners as `queueday serve`, as signed
requests; the app's Web API calls and response_url posts go to a stand-in Slack in
this process (`bot.cli.local_slack`), and what it receives is printed: replies, DMs,
channel posts, App Home updates and modals, Block Kit rendered as text with numbered
buttons that `:click N` presses.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy.engine import Engine
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.local_slack import BOT_USER, LocalSlack, Sent
from bot.services import Installation, utc_now
from bot.slack.app import Identity, SlackConfig, create_app
from bot.slack.commands import COMMAND
from bot.slack.requests import SlackRequest
from bot.slack.views.text import message_text, view_text
from bot.usecases.errors import NotFound

TOKEN = "xoxb-console"
SECRET = "console-signing-secret"
HOME_LINES = 20
HELP = """Console commands:
  /queueday <subcommand> …   (or just the subcommand) as the current person
  :as <person>               act as someone else (a user id, or a first name)
  :click <n or label>        press button [n], or the latest one labelled so
  :home                      show your App Home
  :remind [ISO time | next]  your reminders (and channel posts) the worker sends by then
                             (default now; `next`: your next one; no offset: UTC)
  :help                      this list
  :quit                      leave (so does end of input)
People are written @name (e.g. @ben) or @U0BEN; the console turns them into mentions."""

_MENTION = re.compile(r"(?<![<\w])@([A-Za-z0-9][\w.-]*)")
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that can wait until everything submitted to it has finished."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers, thread_name_prefix="console")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[Any]) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once nothing is running or queued (False if `timeout` passed first)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True


@dataclass(frozen=True)
class Refused:
    """Why the console will not act as a person: one line to print."""

    line: str


@dataclass(frozen=True)
class Button:
    """A button the console showed, with where it was (a message or a view)."""

    action_id: str
    value: str
    block_id: str
    label: str
    channel: str | None  # the message's channel; None for a view
    url: str | None


class Console:
    """One console session against a database; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        *,
        user: str,
        team_id: str,
        channel: str,
        out: TextIO,
        base_url: str = "http://localhost:3000",
        secret_key: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.secret_key = secret_key
        self.base_url = base_url
        self.team_id = team_id
        self.channel = channel
        self.out = out
        self.people = self._people()
        found = self.resolve(user)
        if isinstance(found, Refused):
            raise NotFound(found.line)  # `queueday console` prints it as one line, exit 2
        self.user = found
        self.slack = LocalSlack(team_id=team_id, token=TOKEN, profiles=self._profile).start()
        self.executor = CountingExecutor(8)
        self.buttons: dict[int, Button] = {}
        self._numbers = itertools.count(1)
        self._requests = itertools.count(1)
        installation = Installation(team_id, "QueueDay console", BOT_USER, "B0QD")
        identity = Identity(
            installation,
            AuthorizeResult(
                enterprise_id=None,
                team_id=team_id,
                bot_user_id=BOT_USER,
                bot_id="B0QD",
                bot_token=TOKEN,
            ),
        )
        config = SlackConfig(bot_token=TOKEN, signing_secret=SECRET, api_url=self.slack.api_url)
        self.app: App = create_app(
            config,
            identity=identity,
            engine=engine,
            clock=clock,
            base_url=base_url,
            secret_key=secret_key,
            listener_executor=self.executor,
        )

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.slack.stop()

    # -- people

    def _people(self) -> dict[str, tuple[str, str | None]]:
        with Session(self.engine) as session:
            return uc.workspace_people(session, team_id=self.team_id)

    def _profile(self, user: str) -> tuple[str, str | None]:
        return self.people.get(user, (f"User {user}", None))

    def name(self, user: str) -> str:
        return self.people.get(user, (user, None))[0]

    def find_person(self, word: str) -> str | None:
        """The user id a word names: an id, a first name, or a whole name without spaces."""
        key = word.lower()
        for user, (name, _) in self.people.items():
            if key in (
                user.lower(),
                name.lower(),
                name.split()[0].lower(),
                name.replace(" ", "").lower(),
            ):
                return user
        return None

    def mentions(self, text: str) -> str:
        """`@ben` as the mention Slack would send, `<@U0BEN|ben>`."""

        def one(match: re.Match[str]) -> str:
            user = self.find_person(match.group(1))
            return f"<@{user}|{match.group(1)}>" if user else match.group(0)

        return _MENTION.sub(one, text)

    # -- the session

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        """Handle lines until `:quit` or their end; `echo` prints each line first."""
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if echo:
                self.print(f"\n{self.prompt()}{line}")
            if line in (":quit", ":q", ":exit"):
                return
            self.handle(line)

    def prompt(self) -> str:
        return f"{self.name(self.user)}> "

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def handle(self, line: str) -> None:
        """One line: a console command, or a slash command."""
        if line.startswith(":"):
            word, _, rest = line[1:].partition(" ")
            self._console_command(word.lower(), rest.strip())
            return
        text = line.removeprefix(COMMAND).strip() if line.startswith("/") else line
        if line.startswith("/") and not line.startswith(COMMAND):
            self.print(f"Only {COMMAND} works here; `:help` lists the console's commands.")
            return
        self._command(self.mentions(text))

    def _console_command(self, word: str, rest: str) -> None:
        if word == "help":
            self.print(HELP)
        elif word == "as":
            self._act_as(rest.lstrip("@").strip())
        elif word == "click":
            self._click(rest)
        elif word == "remind":
            self._remind(rest)
        elif word == "home":
            self._event({"type": "app_home_opened", "user": self.user, "tab": "home"})
            self._print_sent(self.slack.take(), home_lines=None)
        else:
            self.print(f"Unknown console command `:{word}`.\n{HELP}")

    def resolve(self, word: str) -> str | Refused:
        """The user id `word` names: someone of the workspace, or a new person's id.

        Anything else is refused: a made-up name would type as a user Slack does not
        have, and show up later as `<@nobody>`.
        """
        word = word.strip().lstrip("@")
        if not word:
            return Refused("Say who: `:as ben` or `:as U0BEN`.")
        user = self.find_person(word)
        if user is None and SLACK_USER_ID.fullmatch(word):
            user = word  # someone new to QueueDay, e.g. to try `join`
        if user is None:
            known = ", ".join(sorted(name.split()[0] for name, _ in self.people.values())[:12])
            return Refused(
                f"Nobody here is called `{word}`: name someone in this workspace "
                f"({known or 'nobody yet'}) or give a Slack user id such as `U0BEN`."
            )
        return user

    def _act_as(self, word: str) -> None:
        found = self.resolve(word)
        if isinstance(found, Refused):
            self.print(found.line)
            return
        self.user = found
        new = "" if found in self.people else ", new to this workspace"
        self.print(f"You are now {self.name(found)} ({found}{new}).")

    def _remind(self, rest: str) -> None:
        """What `queueday worker` would send by a time, sent through the stand-in Slack."""
        from bot.cli.common import BadInput
        from bot.cli.reminders import parse_instant
        from bot.worker.local import local_pass, next_reminder

        now = self.clock()
        if rest.strip().lower() == "next":
            when = next_reminder(self.engine, user=self.user, after=now)
            if when is None:
                self.print(f"{self.name(self.user)} has no reminders queued.")
                return
        else:
            try:
                when = parse_instant(rest) if rest.strip() else now
            except BadInput as exc:
                self.print(exc.message)
                return
        self.print(f"(reminders due by {when.isoformat(timespec='minutes')})")
        report = local_pass(
            self.engine,
            api_url=self.slack.api_url,
            token=TOKEN,
            team_id=self.team_id,
            as_of=when,
            secret_key=self.secret_key,
            base_url=self.base_url,
            user=self.user,
        )
        self._print_sent(self.slack.take())
        self.print(f"({report.line()}; others' reminders wait until you `:as` them)")

    # -- talking to the app

    def _dispatch(self, body: str, content_type: str) -> dict[str, Any] | None:
        timestamp = str(int(time.time()))
        base = f"v0:{timestamp}:{body}".encode()
        signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
        response = self.app.dispatch(
            SlackRequest(
                body=body,
                headers={
                    "content-type": content_type,
                    "x-slack-request-timestamp": timestamp,
                    "x-slack-signature": signature,
                },
            )
        )
        self.executor.wait_idle()
        if response.status != 200:
            self.print(f"(QueueDay answered {response.status})")
        if response.body and response.body.lstrip().startswith("{"):
            loaded = json.loads(response.body)
            return loaded if isinstance(loaded, dict) else None
        return None

    def _command(self, text: str) -> None:
        number = next(self._requests)
        form = {
            "command": COMMAND,
            "text": text,
            "team_id": self.team_id,
            "team_domain": "console",
            "channel_id": self.channel,
            "user_id": self.user,
            "user_name": self.name(self.user).split()[0].lower(),
            "response_url": self.slack.response_url(f"command-{number}"),
            "trigger_id": f"console.{number}",
            "api_app_id": "A0CONSOLE",
        }
        reply = self._dispatch(urlencode(form), "application/x-www-form-urlencoded")
        if reply is not None:
            self._print_message(reply, self._where(reply), self.channel)
        self._print_sent(self.slack.take())

    def _event(self, event: dict[str, Any]) -> None:
        body = {
            "type": "event_callback",
            "team_id": self.team_id,
            "api_app_id": "A0CONSOLE",
            "event_id": f"EvConsole{next(self._requests)}",
            "event_time": int(time.time()),
            "event": event,
        }
        self._dispatch(json.dumps(body), "application/json")

    def _find_button(self, rest: str) -> Button | None:
        """Button [n], or the latest one whose label is `rest` (`:click accept`)."""
        key = rest.strip().strip("[]")
        if key.isdigit():
            return self.buttons.get(int(key))
        for number in sorted(self.buttons, reverse=True):
            if self.buttons[number].label.lower() == key.lower():
                return self.buttons[number]
        return None

    def _click(self, rest: str) -> None:
        button = self._find_button(rest)
        if button is None:
            shown = ", ".join(str(n) for n in sorted(self.buttons)[-8:]) or "none yet"
            self.print(f"No button [{rest}]; `:click <n>` presses one of: {shown}.")
            return
        if button.url:
            self.print(f"(opens {button.url} in the browser)")
        number = next(self._requests)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "console"},
            "user": {"id": self.user, "team_id": self.team_id},
            "api_app_id": "A0CONSOLE",
            "trigger_id": f"console.{number}",
            "actions": [
                {
                    "type": "button",
                    "action_id": button.action_id,
                    "block_id": button.block_id,
                    "value": button.value,
                    "text": {"type": "plain_text", "text": button.label},
                }
            ],
        }
        if button.channel is not None:
            payload["channel"] = {"id": button.channel}
            payload["container"] = {"type": "message", "channel_id": button.channel}
            payload["response_url"] = self.slack.response_url(f"click-{number}")
        else:
            payload["container"] = {"type": "view"}
        self._dispatch(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        self._print_sent(self.slack.take())

    # -- printing what the app sent

    def _where(self, message: dict[str, Any]) -> str:
        if message.get("response_type") == "in_channel":
            return f"in #{self.channel} for everyone"
        return "only you see this"

    def _label(self, channel: str | None) -> Callable[[dict[str, Any]], str]:
        def label(element: dict[str, Any]) -> str:
            number = next(self._numbers)
            text = element.get("text", {}).get("text", "?")
            self.buttons[number] = Button(
                action_id=str(element.get("action_id", "")),
                value=str(element.get("value", "")),
                block_id=str(element.get("block_id", "")),
                label=text,
                channel=channel,
                url=element.get("url"),
            )
            return f"[{number}: {text}]"

        return label

    def _print_message(self, message: dict[str, Any], where: str, channel: str | None) -> None:
        body = message_text(message, self.name, self._label(channel))
        self.print(f"--- {where}\n{_indent(body)}")

    def _print_sent(self, sent: list[Sent], home_lines: int | None = HOME_LINES) -> None:
        for item in sent:
            if item.method == "response_url":
                message = {**item.params, "blocks": item.json_param("blocks")}
                where = (
                    "the message you clicked now reads"
                    if str(item.params.get("replace_original")).lower() == "true"
                    else self._where(message)
                )
                self._print_message(message, where, self.channel)
            elif item.method in ("chat.postMessage", "chat.postEphemeral"):
                channel = str(item.params.get("channel", ""))
                where = (
                    f"DM to @{self.name(channel)}"
                    if channel.startswith(("U", "W"))
                    else f"posted in #{channel}"
                )
                message = {**item.params, "blocks": item.json_param("blocks")}
                self._print_message(message, where, channel)
            elif item.method == "views.publish":
                user = str(item.params.get("user_id", ""))
                body = view_text(item.json_param("view") or {}, self.name, self._label(None))
                lines = body.splitlines()
                if home_lines is not None and len(lines) > home_lines:
                    lines = [*lines[:home_lines], "… (`:home` shows all of it)"]
                self.print(
                    f"--- App Home of @{self.name(user)} updated\n{_indent(chr(10).join(lines))}"
                )
            elif item.method == "conversations.setTopic":
                topic = str(item.params.get("topic", ""))
                for user in re.findall(r"<@([UW][A-Z0-9]+)>", topic):
                    topic = topic.replace(f"<@{user}>", f"@{self.name(user)}")
                self.print(f"--- topic of #{item.params.get('channel')} set\n{_indent(topic)}")
            elif item.method == "usergroups.users.update":
                group = self.slack.usergroups.get(str(item.params.get("usergroup")), {})
                people = ", ".join(f"@{self.name(u)}" for u in str(item.params["users"]).split(","))
                self.print(f"--- @{group.get('handle', 'the user group')} now: {people}")
            elif item.method in ("views.open", "views.push", "views.update"):
                body = view_text(item.json_param("view") or {}, self.name, self._label(None))
                self.print(
                    f"--- a modal opens (fill it in Slack; the console shows it)\n{_indent(body)}"
                )


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())

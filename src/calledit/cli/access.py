"""Where the CLI's tracker commands read and write: this machine's database (as a user picked by name) or a
running server over REST (`calledit --server URL --token cit_...`). Both answer in the same domain models,
so every command prints the same way whichever it talks to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from calledit.config import Settings
from calledit.domain.call import CallChange, CallCreate
from calledit.domain.errors import BadRequest, CalledItError, ErrorCode, NotFound
from calledit.domain.exchange import ExportFormat, ImportFormat, ImportReport
from calledit.domain.outcomes import CallView, CallViewPage, view
from calledit.domain.queries import CallQuery
from calledit.domain.track_record import TrackRecord, track_record
from calledit.storage.base import CallStore, TrackerStore
from calledit.tracker.edits import CallUpdate, update_call
from calledit.tracker.transfer import export_chunks, import_calls

LOCAL_USER = "local"
TIMEOUT = httpx.Timeout(30.0, read=300.0)  # an export or import of 10,000 calls takes a while


@dataclass(frozen=True)
class Target:
    """The global options: a server to talk to over REST, and the token that says who you are there."""

    server: str | None = None
    token: str | None = None


class Tracker(Protocol):
    """What the tracker commands need, wherever the calls are."""

    def find(self, query: CallQuery) -> CallViewPage: ...

    def get(self, call_id: str) -> CallView:
        """The call with this id or unique id prefix; NotFound otherwise."""
        ...

    def history(self, call_id: str) -> list[CallChange]: ...

    def log(self, call: CallCreate) -> CallView: ...

    def update(self, call_id: str, update: CallUpdate) -> CallView: ...

    def export(self, fmt: ExportFormat) -> Iterator[str]: ...

    def import_file(self, fmt: ImportFormat, data: bytes) -> ImportReport: ...

    def stats(self) -> TrackRecord: ...

    def close(self) -> None: ...


def not_found(call_id: str) -> NotFound:
    return NotFound(f"No call with id {call_id!r}. `calledit list` shows your calls (a unique prefix of an id works).")


def user_id(settings: Settings, name: str | None) -> str:
    """The id of the user a `--user NAME` means: the local user by default, else an account by its username
    (or its id). BadRequest naming what exists when there is no such account: never an empty record."""
    if name is None or name == LOCAL_USER:
        return LOCAL_USER
    if settings.db and settings.db.startswith("dynamodb://"):
        return name  # accounts live with the identity provider (OIDC): the user is its subject id
    from calledit.storage.users import SqliteUserStore

    users = SqliteUserStore(settings.sqlite_path())
    try:
        found = users.user_by_name(name) or users.user(name)
    finally:
        users.close()
    if found is None:
        raise BadRequest(f"No user named {name!r} in {settings.sqlite_path()}: check the spelling (usernames ignore "
                         f"case), or create the account with `calledit user add {name}`.")
    return found.id


class LocalTracker:
    """The calls of one user in this machine's database (CALLEDIT_DB)."""

    def __init__(self, settings: Settings, user: str) -> None:
        from calledit.wiring import build_store, instrument

        store = build_store(settings)
        instrument(store, settings)  # changes go into the call log, as through the server
        if not isinstance(store, TrackerStore):
            store.close()
            raise BadRequest(f"The {type(store).__name__} storage adapter cannot search or export calls.")
        self.store: Any = store
        self.verification: CallStore = store
        self.user = user

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _view(self, call_id: str) -> CallView:
        call = self.store.get(self.user, call_id)
        if call is None:
            raise not_found(call_id)
        schedule = self.verification.schedule(self.user, call_id)
        return view(call, schedule.next_check_at if schedule else None, self._now())

    def find(self, query: CallQuery) -> CallViewPage:
        page: CallViewPage = self.store.find(self.user, query, self._now())
        return page

    def get(self, call_id: str) -> CallView:
        if self.store.get(self.user, call_id) is not None:
            return self._view(call_id)
        if len(call_id) < 32:
            matches = [c.id for c in self.store.list(self.user, limit=100).items if c.id.startswith(call_id)]
            if len(matches) == 1:
                return self._view(matches[0])
        raise not_found(call_id)

    def history(self, call_id: str) -> list[CallChange]:
        return self.verification.history(self.user, self.get(call_id).id)

    def log(self, call: CallCreate) -> CallView:
        return self._view(self.store.add(self.user, call).id)

    def update(self, call_id: str, update: CallUpdate) -> CallView:
        full = self.get(call_id).id
        update_call(self.verification, self.user, full, update, now=self._now())
        return self._view(full)

    def export(self, fmt: ExportFormat) -> Iterator[str]:
        return export_chunks(self.store, self.user, fmt, self._now())

    def import_file(self, fmt: ImportFormat, data: bytes) -> ImportReport:
        return import_calls(self.store, self.user, fmt, data, self._now())

    def stats(self) -> TrackRecord:
        return track_record(stored.call for stored in self.store.export_calls(self.user))

    def close(self) -> None:
        self.store.close()


class RemoteTracker:
    """Your calls on a running server, over its REST API (`--server URL --token cit_...`)."""

    def __init__(self, server: str, token: str | None, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.server = server.rstrip("/")
        self.client = httpx.Client(base_url=f"{self.server}/api", headers=headers, timeout=TIMEOUT,
                                   transport=transport)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CalledItError(f"Could not reach {self.server}: {exc}. Is `calledit serve` running there?",
                                code=ErrorCode.INTERNAL) from None
        if not response.is_success:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> CalledItError:
        """The server's own `{code, message}`, as the error it names."""
        try:
            body = response.json()
            message, code = str(body["message"]), ErrorCode(body["code"])
        except (ValueError, KeyError, TypeError):
            message, code = f"{self.server} answered {response.status_code}: {response.text[:200]}", ErrorCode.INTERNAL
        if response.status_code == 401:
            message += " (pass --token cit_..., made on the server's account page or with POST /api/tokens)"
        return CalledItError(message, code=code)

    def find(self, query: CallQuery) -> CallViewPage:
        params: dict[str, Any] = {"limit": query.limit, "sort": query.sort.value}
        for name, value in (("q", query.q), ("cursor", query.cursor),
                            ("category", query.category.value if query.category else None),
                            ("due_before", query.due_before.isoformat() if query.due_before else None),
                            ("due_after", query.due_after.isoformat() if query.due_after else None)):
            if value:
                params[name] = value
        params["tag"] = list(query.tags)
        params["status"] = [status.value for status in query.statuses]
        return CallViewPage.model_validate_json(self._call("GET", "/calls", params=params).content)

    def get(self, call_id: str) -> CallView:
        try:
            return CallView.model_validate_json(self._call("GET", f"/calls/{call_id}").content)
        except CalledItError as exc:
            if exc.code is not ErrorCode.NOT_FOUND or len(call_id) >= 32:
                raise
        matches = [c.id for c in self.find(CallQuery(limit=100)).items if c.id.startswith(call_id)]
        if len(matches) != 1:
            raise not_found(call_id) from None
        return self.get(matches[0])

    def history(self, call_id: str) -> list[CallChange]:
        body = self._call("GET", f"/calls/{self.get(call_id).id}/history").json()
        return [CallChange.model_validate(change) for change in body["changes"]]

    def log(self, call: CallCreate) -> CallView:
        return CallView.model_validate_json(self._call("POST", "/calls", content=call.model_dump_json(),
                                                       headers={"Content-Type": "application/json"}).content)

    def update(self, call_id: str, update: CallUpdate) -> CallView:
        full = self.get(call_id).id
        body = update.model_dump_json(include=update.model_fields_set)
        return CallView.model_validate_json(self._call("PATCH", f"/calls/{full}", content=body,
                                                       headers={"Content-Type": "application/json"}).content)

    def export(self, fmt: ExportFormat) -> Iterator[str]:
        with self.client.stream("GET", "/export", params={"format": fmt}) as response:
            if not response.is_success:
                response.read()
                raise self._error(response)
            yield from response.iter_text()

    def import_file(self, fmt: ImportFormat, data: bytes) -> ImportReport:
        kind = "text/csv" if fmt == "fatebook" else "application/json"
        response = self._call("POST", "/import", params={"format": fmt}, content=data, headers={"Content-Type": kind})
        return ImportReport.model_validate_json(response.content)

    def stats(self) -> TrackRecord:
        return TrackRecord.model_validate_json(self._call("GET", "/stats").content)

    def close(self) -> None:
        self.client.close()


def open_tracker(target: Target | None, user: str | None) -> Tracker:
    """The tracker the command line names: `--server` (with its token), else this machine's database."""
    if target is not None and target.server:
        if user is not None:
            raise BadRequest("--user picks an account in this machine's database; with --server, your --token "
                             "says who you are.")
        return RemoteTracker(target.server, target.token)
    settings = Settings()
    return LocalTracker(settings, user_id(settings, user))

"""Factory fixtures for the four kinds of user, rooms, chats and websocket connections.

Fixtures return closures (after django-allauth's conftest), so a test can make
as many participants, mentors, supervisors and evaluators as it needs.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from hypothesis import settings as hypothesis_settings

from chatplatform import events, roles
from chatplatform.models import Participant, Room, User
from chatplatform.services import queue as queue_service
from chatplatform.services.access import check_room_access
from chatplatform.services.participants import SESSION_KEY
from chatplatform.services.rooms import do_assign_host, do_create_group_room
from chatplatform.services.staff import do_add_staff


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build any translation catalogue missing or older than its .po, as `make setup` does,
    so running one test file right after a merge sees the merged translations."""
    for po in Path(__file__).resolve().parent.parent.glob("*/locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)


# tests.moderation_helpers: the moderation tests' hosted group room, fresh compiled rules per test.
# tests.escalation_fakes: a phrase-based stand-in risk detector for the escalation unit tests.
pytest_plugins = ["tests.servers", "tests.moderation_helpers", "tests.escalation_fakes"]


class CheapPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's own PBKDF2 hasher (same salt, format and checks) at a thousandth of its
    work factor: a million iterations take 0.5-1.5 s a password here, and the suite hashes
    one for nearly every staff member it makes and every sign-in. No test is about that
    cost. The Daphne nodes the integration tests start keep the production hasher."""

    iterations = 1_000


def pytest_configure(config: pytest.Config) -> None:
    settings.PASSWORD_HASHERS = ["tests.conftest.CheapPBKDF2PasswordHasher"]


# Hypothesis: `make test` runs the bounded "suite" profile, 100 examples a property (a
# property may ask for a multiple of it, see tests/test_frame_properties.py); the
# "thorough" profile runs ten times as many: `make test HYPOTHESIS_PROFILE=thorough`.
# Deadlines are off: on a shared machine an example's time says nothing about the code.
hypothesis_settings.register_profile("suite", max_examples=100, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


ORIGIN = "http://testserver"
STAFF_PASSWORD = "correct-horse-battery-staple"
# The authenticator app secret of every test staff member who signs in (base32).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_serial = itertools.count(1)


def complete_mfa(client: Client, user: User) -> None:
    """Make ``client``'s session one that passed two-factor sign-in, as allauth records it.

    Gives the user a TOTP authenticator (with TEST_TOTP_SECRET) if they have none.
    """
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    authenticator = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).first() or (TOTP.activate(user, TEST_TOTP_SECRET).instance)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp", "id": authenticator.pk},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture(autouse=True)
def staff_sign_in_includes_mfa(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Client.force_login`` stands for a complete sign-in, second factor included.

    Tests about two-factor enforcement sign in with ``Client.login`` (password only).
    """
    original = Client.force_login

    def force_login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        complete_mfa(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language.

    A request in Spanish leaves Spanish active in the test's thread (LocaleMiddleware
    does not reset it), which would otherwise leak into the next test's service calls.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit counters live in the cache: every test starts with none.

    So do the data keys a process remembers: a test database rolled back between
    tests hands out the same room ids again, which a real database never does.
    """
    from django.core.cache import cache

    from chatplatform.services import keys

    cache.clear()
    keys._RECENT_KEYS.clear()


@pytest.fixture(autouse=True)
def fresh_risk_memory() -> None:
    """Risk conversation memory is per process and keyed by room and sender ids, which a
    rolled-back test database hands out again: every test starts with none."""
    from escalation import checks

    checks.memory.cache_clear()


@pytest.fixture
def make_participant(db: None) -> Callable[..., Participant]:
    def make(handle: str | None = None) -> Participant:
        return Participant.objects.create(handle=handle or f"Test Otter {next(_serial)}")

    return make


def train(user: User) -> None:
    """Every required module completed now, as rows (no audit entry: tests count those)."""
    from datetime import timedelta

    from django.utils import timezone

    from chatplatform.mentoring import certification, registry
    from chatplatform.mentoring.models import Completion

    if not certification.is_programme_mentor(user):
        return
    now = timezone.now()
    Completion.objects.bulk_create(
        Completion(
            user=user,
            module_version=registry.record_version(module),
            via=Completion.Via.GRANTED,
            completed_at=now,
            expires_at=now + timedelta(days=module.expiry_days),
        )
        for module in registry.required_modules()
    )


@pytest.fixture
def make_staff(db: None) -> Callable[..., User]:
    """Staff with a role. Mentors come trained (every required module current) unless
    ``trained=False``: most tests are about chatting, not about the training gate."""

    def make(
        role: str = roles.MENTOR,
        email: str | None = None,
        name: str | None = None,
        trained: bool = True,
    ) -> User:
        email = email or f"{role}{next(_serial)}@example.org"
        user = do_add_staff(email, role, STAFF_PASSWORD, name or role.title()).user
        if trained:
            train(user)
        return user

    return make


@pytest.fixture
def make_group_room(db: None) -> Callable[..., Room]:
    def make(title: str = "General support", hosts: tuple[User, ...] = ()) -> Room:
        room = do_create_group_room(f"room-{next(_serial)}", title)
        for host in hosts:
            do_assign_host(room, host)
        return room

    return make


@pytest.fixture
def make_direct_chat(make_participant, make_staff) -> Callable[..., tuple[Room, Participant, User]]:
    """A participant matched with a mentor through the real queue services."""

    def make(participant: Participant | None = None, mentor: User | None = None):
        from chatplatform.actors import staff_actor

        participant = participant or make_participant()
        mentor = mentor or make_staff(roles.MENTOR)
        ticket = queue_service.do_request_chat(participant)
        room = queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
        return room, participant, mentor

    return make


@pytest.fixture
def access_for() -> Callable[..., Any]:
    """The RoomAccess a participant or staff member gets for a room."""
    from chatplatform.actors import participant_actor, staff_actor

    def make(who: Participant | User, room: Room):
        actor = staff_actor(who) if isinstance(who, User) else participant_actor(who)
        return check_room_access(actor, room.pk)

    return make


@pytest.fixture
def sent_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Capture what would be published to the channel layer, as (group, event) pairs."""
    captured: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        events, "send_to_group", lambda group, event: captured.append((group, event))
    )
    return captured


def participant_session(participant: Participant) -> str:
    store = SessionStore()
    store[SESSION_KEY] = participant.pk
    store.save()
    return store.session_key


def staff_session(user: User, mfa: bool = True) -> str:
    """A signed-in staff session key; with two factors proved unless ``mfa=False``."""
    client = Client()
    if mfa:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        complete_mfa(client, user)
    else:
        assert client.login(email=user.email, password=STAFF_PASSWORD)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def session_for() -> Callable[[Participant | User], str]:
    def make(who: Participant | User) -> str:
        return staff_session(who) if isinstance(who, User) else participant_session(who)

    return make


class Socket:
    """A WebsocketCommunicator speaking JSON, with the helpers tests keep needing."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.pending: list[str] = []
        # The ``closed`` frame of a refused socket.
        self.closed_frame: dict[str, Any] | None = None

    async def refusal(self) -> int | None:
        """The close code when the server accepted only to refuse, else None.

        A refusal is a ``closed`` frame and a close right after the handshake; any
        other first frame is kept for ``receive``.
        """
        output = await self.communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code")
        frame = json.loads(output["text"])
        if frame.get("type") != "closed":
            self.pending.append(output["text"])
            return None
        closing = await self.communicator.receive_output(timeout=5)
        assert closing["type"] == "websocket.close", closing
        self.closed_frame = frame
        return closing.get("code")

    async def send(self, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = 2) -> dict[str, Any]:
        if self.pending:
            return json.loads(self.pending.pop(0))
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_type(self, frame_type: str, timeout: float = 2) -> dict[str, Any]:
        """Skip frames until one of this type arrives (presence and typing interleave)."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == frame_type:
                return frame

    async def nothing(self, timeout: float = 0.2) -> bool:
        return not self.pending and await self.communicator.receive_nothing(timeout=timeout)

    async def close(self) -> None:
        if self.communicator.future.done():
            return  # The application already ended (a test cancelled it).
        await self.communicator.disconnect()


@pytest.fixture
async def ws_connect():
    """Open a websocket to the real ASGI application (origin check, sessions, routing).

    Returns ``(connected, code, socket)``. A socket the server accepted only to
    refuse (a ``closed`` frame, then a close code) counts as not connected, with
    that code. Every socket the test opened is disconnected afterwards, as
    Channels' own tests do.
    """
    from chatplatform.asgi import application

    opened: list[Socket] = []

    async def connect(
        path: str,
        session_key: str | None = None,
        origin: str | None = ORIGIN,
        language: str | None = None,
        accept_language: str | None = None,
    ) -> tuple[bool, int | None, Socket]:
        """``language`` is the switch's cookie; ``accept_language`` the browser's header."""
        headers = [(b"host", b"testserver")]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        cookies = []
        if session_key is not None:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session_key}")
        if language is not None:
            cookies.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
        if cookies:
            headers.append((b"cookie", "; ".join(cookies).encode()))
        if accept_language is not None:
            headers.append((b"accept-language", accept_language.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        socket = Socket(communicator)
        if connected:
            refused = await socket.refusal()
            if refused is not None:
                return False, refused, socket
            opened.append(socket)
        return connected, code, socket

    yield connect
    for socket in opened:
        await socket.close()

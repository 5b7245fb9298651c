"""The supervisor console socket and the escalation frames of the room protocol."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import AuditEntry
from escalation import opening, paging
from escalation.models import ConsolePresence, Escalation
from tests.escalation_fakes import IMMINENT_PHRASE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.usefixtures("fake_detector"),
]

IMMINENT_TEXT = f"I have the {IMMINENT_PHRASE} right now"


async def connect(ws_connect, session_for, who, path: str):
    key = await sync_to_async(session_for)(who)
    connected, code, socket = await ws_connect(path, key)
    assert connected, code
    return socket


async def open_console(ws_connect, session_for, supervisor):
    socket = await connect(ws_connect, session_for, supervisor, "/ws/supervisor/")
    snapshot = await socket.receive_type("escalations")
    return socket, snapshot


async def connect_refused(ws_connect, session_for, who) -> None:
    key = await sync_to_async(session_for)(who)
    connected, _, _ = await ws_connect("/ws/supervisor/", key)
    assert not connected


async def open_room(ws_connect, session_for, who, room):
    socket = await connect(ws_connect, session_for, who, f"/ws/rooms/{room.pk}/")
    await socket.receive_type("hello")
    return socket


async def say(socket, body: str) -> dict:
    await socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body})
    return await socket.receive_type("message.ack")


def two_regions() -> None:
    """Lines in two countries (a transactional test starts with none)."""
    from chatplatform.models import CrisisResource

    CrisisResource.objects.all().delete()
    common = {"source": "test", "last_checked": "2026-11-01", "open_24_7": True, "cost": "free"}
    CrisisResource.objects.create(
        region="US", region_name="United States", service="988 Suicide & Crisis Lifeline",
        phone="988", emergency_number="911", **common,
    )  # fmt: skip
    CrisisResource.objects.create(
        region="GB", region_name="United Kingdom", service="Samaritans",
        phone="116 123", emergency_number="999", **common,
    )  # fmt: skip


@pytest.fixture
async def scene(make_direct_chat, make_staff):
    room, participant, mentor = await sync_to_async(make_direct_chat)()
    supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
    return room, participant, mentor, supervisor


class TestConsoleHandshake:
    async def test_anonymous_visitor_is_refused(self, ws_connect):
        connected, code, _ = await ws_connect("/ws/supervisor/")
        assert (connected, code) == (False, 4401)

    async def test_participant_is_refused(self, ws_connect, session_for, make_participant):
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, code, _ = await ws_connect("/ws/supervisor/", key)
        assert (connected, code) == (False, 4403)

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    async def test_mentors_and_evaluators_are_refused(
        self, role, ws_connect, session_for, make_staff
    ):
        key = await sync_to_async(session_for)(await sync_to_async(make_staff)(role))
        connected, code, _ = await ws_connect("/ws/supervisor/", key)
        assert (connected, code) == (False, 4403)

    @pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.ADMIN])
    async def test_supervisors_and_admins_get_the_open_escalations_and_the_rota(
        self, role, ws_connect, session_for, make_staff
    ):
        console, snapshot = await open_console(
            ws_connect, session_for, await sync_to_async(make_staff)(role)
        )
        assert snapshot["escalations"] == []
        rota = await console.receive_type("oncall.status")
        assert rota["warning"].startswith("No primary supervisor is on call")

    async def test_an_open_console_counts_for_the_dead_mans_switch_until_it_closes(
        self, ws_connect, session_for, make_staff
    ):
        supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
        mentor = await sync_to_async(make_staff)(roles.MENTOR)
        presences = sync_to_async(
            lambda: list(ConsolePresence.objects.values_list("user_id", flat=True))
        )
        await connect_refused(ws_connect, session_for, mentor)
        assert await presences() == []
        console, _ = await open_console(ws_connect, session_for, supervisor)
        assert await presences() == [supervisor.pk]
        await console.close()
        assert await presences() == []

    async def test_signing_out_closes_the_console(self, ws_connect, make_staff):
        from django.test import Client

        supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
        client = Client()
        await sync_to_async(client.force_login)(supervisor)
        connected, _, console = await ws_connect(
            "/ws/supervisor/", client.cookies["sessionid"].value
        )
        assert connected
        await console.receive_type("escalations")
        await sync_to_async(client.post)("/accounts/logout/")
        assert (await console.receive_type("closed"))["reason"] == "signed_out"


class TestLiveAlerts:
    async def test_risk_message_reaches_the_console_as_an_imminent_alert(
        self, ws_connect, session_for, scene
    ):
        room, participant, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        chat = await open_room(ws_connect, session_for, participant, room)
        await say(chat, IMMINENT_TEXT)
        frames = {}
        while len(frames) < 2:  # the page and the console update, in either order
            frame = await console.receive()
            if frame["type"] in ("escalation.changed", "escalation.page"):
                frames.setdefault(frame["type"], frame)
        changed, page = frames["escalation.changed"], frames["escalation.page"]
        assert changed["event"] == "opened"
        assert changed["escalation"]["level"] == "imminent"
        assert changed["escalation"]["room"] == room.pk
        assert changed["escalation"]["reasons"] == ["means", "timeframe"]
        assert page["escalation"]["id"] == changed["escalation"]["id"]

    async def test_participant_sees_the_crisis_panel_in_the_room(
        self, ws_connect, session_for, scene
    ):
        room, participant, _, _ = scene
        chat = await open_room(ws_connect, session_for, participant, room)
        await say(chat, IMMINENT_TEXT)
        panel = await chat.receive_type("crisis.support")
        assert panel["emergency_first"]
        # Transactional tests start without the seeded crisis lines; the panel still says what
        # to do.
        assert "emergency number" in panel["paragraphs"][0]

    async def test_mentor_in_the_room_sees_the_status_but_the_participant_does_not(
        self, ws_connect, session_for, scene
    ):
        room, participant, mentor, _ = scene
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        chat = await open_room(ws_connect, session_for, participant, room)
        await say(chat, IMMINENT_TEXT)
        status = await mentor_socket.receive_type("escalation.status")
        assert status["escalation"]["state"] == "open"
        await chat.receive_type("crisis.support")
        assert await chat.nothing(0.3)


class TestConsoleActions:
    async def escalate(self, ws_connect, session_for, scene) -> int:
        room, participant, _, _ = scene
        chat = await open_room(ws_connect, session_for, participant, room)
        await say(chat, IMMINENT_TEXT)
        return (await sync_to_async(Escalation.objects.get)(room=room)).pk

    async def test_acknowledge_then_join_then_resolve(self, ws_connect, session_for, scene):
        room, _, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        escalation = await self.escalate(ws_connect, session_for, scene)
        await console.send({"type": "escalation.ack", "escalation": escalation, "ref": "a1"})
        done = await console.receive_type("escalation.done")
        assert (done["action"], done["ref"]) == ("escalation.ack", "a1")
        acknowledged = await console.receive_type("escalation.changed")
        while acknowledged["event"] != "acknowledged":
            acknowledged = await console.receive_type("escalation.changed")
        await console.send({"type": "escalation.join", "escalation": escalation})
        joined = await console.receive_type("escalation.done")
        assert joined["room"] == room.pk
        await console.send(
            {"type": "escalation.resolve", "escalation": escalation, "outcome": "de_escalated"}
        )
        await console.receive_type("escalation.done")
        record = await sync_to_async(Escalation.objects.get)(pk=escalation)
        assert record.state == "resolved" and record.outcome == "de_escalated"

    async def test_refused_action_is_an_error_frame_and_the_socket_stays_open(
        self, ws_connect, session_for, scene
    ):
        _, _, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        escalation = await self.escalate(ws_connect, session_for, scene)
        await console.send(
            {"type": "escalation.resolve", "escalation": escalation, "outcome": "false_alarm"}
        )
        error = await console.receive_type("error")
        assert error["code"] == "not_acknowledged"
        await console.send({"type": "ping"})
        await console.receive_type("pong")

    async def test_emergency_contact_time_must_carry_a_time_zone(
        self, ws_connect, session_for, scene
    ):
        _, _, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        await console.send(
            {
                "type": "escalation.resolve",
                "escalation": 1,
                "outcome": "emergency_services",
                "emergency_confirmed": True,
                "emergency_contacted_at": "2026-11-28T12:00:00",
            }
        )
        error = await console.receive_type("error")
        assert error["code"] == "invalid"

    async def test_transcript_over_the_socket_is_audited(self, ws_connect, session_for, scene):
        _, _, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        escalation = await self.escalate(ws_connect, session_for, scene)
        await console.send(
            {"type": "escalation.transcript", "escalation": escalation, "reason": "assessing"}
        )
        transcript = await console.receive_type("escalation.transcript")
        assert IMMINENT_TEXT in [m["body"] for m in transcript["messages"]]
        assert await sync_to_async(AuditEntry.objects.filter(action="transcript.read").count)() == 1


class TestRoomFrames:
    async def test_mentor_escalates_from_the_room(self, ws_connect, session_for, scene):
        room, _, mentor, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        await mentor_socket.send(
            {"type": "escalation.raise", "reason": "suicidal_thoughts", "level": "high"}
        )
        status = await mentor_socket.receive_type("escalation.status")
        assert status["escalation"]["source"] == "mentor"
        changed = await console.receive_type("escalation.changed")
        assert changed["escalation"]["level"] == "high"

    async def test_participant_cannot_send_the_escalate_frame(self, ws_connect, session_for, scene):
        room, participant, _, _ = scene
        chat = await open_room(ws_connect, session_for, participant, room)
        await chat.send({"type": "escalation.raise", "reason": "other"})
        error = await chat.receive_type("error")
        assert error["code"] == "forbidden"

    async def test_participant_presses_urgent_help_in_the_room(
        self, ws_connect, session_for, scene
    ):
        room, participant, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        chat = await open_room(ws_connect, session_for, participant, room)
        await chat.send({"type": "urgent.help"})
        panel = await chat.receive_type("crisis.support")
        assert (panel["level"], panel["kind"]) == ("imminent", "urgent_help")
        changed = await console.receive_type("escalation.changed")
        assert changed["escalation"]["source"] == "participant"
        await chat.send({"type": "urgent.help"})
        again = await chat.receive_type("crisis.support")
        assert again["kind"] == "urgent_help"
        count = sync_to_async(Escalation.objects.filter(room=room).count)
        assert await count() == 1

    async def test_the_participant_gets_the_panel_again_in_the_country_they_chose(
        self, ws_connect, session_for, scene
    ):
        room, participant, mentor, _ = scene
        await sync_to_async(two_regions)()
        chat = await open_room(ws_connect, session_for, participant, room)
        # No escalation of theirs in this chat: nothing comes back.
        await chat.send({"type": "crisis.support"})
        await chat.send({"type": "ping"})
        assert (await chat.receive_type("pong"))["type"] == "pong"
        assert await chat.nothing()
        await chat.send({"type": "urgent.help"})
        first = await chat.receive_type("crisis.support")
        chosen = next(code for code in ("GB", "US") if code != first["region"]["code"])
        # The region form saved their choice (frontend.views.set_region); the panel follows.
        participant.crisis_region = chosen
        await sync_to_async(participant.save)(update_fields=["crisis_region"])
        await chat.send({"type": "crisis.support"})
        again = await chat.receive_type("crisis.support")
        assert again["region"]["code"] == chosen
        assert [group["code"] for group in again["regions"]] == [chosen]
        assert (again["kind"], again["level"]) == ("urgent_help", "imminent")
        assert await sync_to_async(Escalation.objects.filter(room=room).count)() == 1
        # The panel is the participant's: staff are refused.
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        await mentor_socket.send({"type": "crisis.support"})
        assert (await mentor_socket.receive_type("error"))["code"] == "forbidden"

    async def test_mentor_records_the_screener_and_the_case_is_raised(
        self, ws_connect, session_for, scene
    ):
        room, participant, mentor, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        chat = await open_room(ws_connect, session_for, participant, room)
        answers = {"wish_dead": True, "suicidal_thoughts": True, "method": True,
                   "intent": False, "plan": True, "behaviour": False}  # fmt: skip
        await mentor_socket.send({"type": "screener.record", "answers": answers})
        recorded = await mentor_socket.receive_type("screener.recorded")
        assert recorded["level"] == "imminent"
        opened = await console.receive_type("escalation.changed")
        assert opened["escalation"]["reasons"] == ["screener"]
        panel = await chat.receive_type("crisis.support")
        assert panel["kind"] == "mentor" and panel["emergency_first"]
        # The participant cannot record it, and a malformed answer is refused.
        await chat.send({"type": "screener.record", "answers": {}})
        assert (await chat.receive_type("error"))["code"] == "forbidden"
        await mentor_socket.send({"type": "screener.record", "answers": {"wish_dead": "yes"}})
        assert (await mentor_socket.receive_type("error"))["code"] == "invalid"

    async def test_the_safety_plan_is_filled_in_together(self, ws_connect, session_for, scene):
        room, participant, mentor, _ = scene
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        chat = await open_room(ws_connect, session_for, participant, room)
        await chat.send({"type": "safety_plan.get"})
        empty = await chat.receive_type("safety_plan")
        assert (empty["exists"], empty["revision"]) == (False, 0)
        await mentor_socket.send(
            {"type": "safety_plan.save", "sections": {"coping": "Walk the dog"}, "revision": 0}
        )
        seen_by_participant = await chat.receive_type("safety_plan")
        assert seen_by_participant["revision"] == 1
        assert {s["code"]: s["text"] for s in seen_by_participant["sections"]}["coping"] == (
            "Walk the dog"
        )
        await chat.send(
            {"type": "safety_plan.save", "sections": {"coping": "Music"}, "revision": 0}
        )
        stale = await chat.receive_type("safety_plan")
        assert stale["conflict"] and stale["revision"] == 1

    async def test_mentor_asks_for_the_current_status(self, ws_connect, session_for, scene):
        room, _, mentor, _ = scene
        mentor_socket = await open_room(ws_connect, session_for, mentor, room)
        await mentor_socket.send({"type": "escalation.status"})
        status = await mentor_socket.receive_type("escalation.status")
        assert status["escalation"] is None


def open_escalation_a_minute_ago(room, participant) -> Escalation:
    """An imminent escalation whose first repeat (T1, 60 s) is due now."""
    return opening.do_open_escalation(
        source=Escalation.Source.AUTOMATIC,
        level=Escalation.Level.IMMINENT,
        reasons=["means"],
        room_id=room.pk,
        participant=participant,
        now=timezone.now() - timedelta(seconds=61),
    ).escalation


class TestPagesTheChannelLayerLost:
    """A page event can be lost (the worker's own in-memory layer, a full queue).

    Consoles read their pages from the database too.
    """

    @pytest.fixture(autouse=True)
    def quick_reads(self, settings):
        settings.ESCALATION_T1_SECONDS = 60
        settings.ESCALATION_T2_SECONDS = 180
        settings.ESCALATION_WORKER_POLL_SECONDS = 0.1

    async def test_repeat_page_the_layer_never_delivered_reaches_the_console(
        self, ws_connect, session_for, scene, sent_events
    ):
        # sent_events swallows every channel-layer publish, as another process's layer would.
        room, participant, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        escalation = await sync_to_async(open_escalation_a_minute_ago)(room, participant)
        await sync_to_async(paging.run_once)()
        page = await console.receive_type("escalation.page")
        assert (page["step"], page["repeat"]) == (1, True)
        assert page["escalation"]["id"] == escalation.pk
        assert await console.nothing(0.5)

    async def test_page_heard_through_the_layer_and_read_from_the_database_shows_once(
        self, ws_connect, session_for, scene
    ):
        room, participant, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        await sync_to_async(open_escalation_a_minute_ago)(room, participant)
        await sync_to_async(paging.run_once)()
        pages = []
        while not await console.nothing(0.5):
            frame = await console.receive()
            if frame["type"] == "escalation.page":
                pages.append(frame["step"])
        assert pages == [0, 1]

    async def test_first_page_the_layer_dropped_reaches_the_console(
        self, ws_connect, session_for, scene, sent_events
    ):
        room, participant, _, supervisor = scene
        console, _ = await open_console(ws_connect, session_for, supervisor)
        escalation = await sync_to_async(opening.do_open_escalation)(
            source=Escalation.Source.AUTOMATIC,
            level=Escalation.Level.IMMINENT,
            reasons=["means"],
            room_id=room.pk,
            participant=participant,
        )
        page = await console.receive_type("escalation.page")
        assert (page["step"], page["repeat"]) == (0, False)
        assert page["escalation"]["id"] == escalation.escalation.pk

"""Urgent help past the abuse defences: a ban and a network's new-identity limit.

Every press either opens (or folds into) a case a supervisor can act on and reach
the person through, or is counted in an alert every supervisor console shows.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.actors import participant_actor, staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Message, Participant, QueueTicket, RoomMembership
from chatplatform.services import queue as queue_service
from chatplatform.services.access import check_room_access
from chatplatform.services.messages import do_send_message
from chatplatform.services.participants import SESSION_KEY
from escalation import handling, opening, paging, publishing, queries
from escalation.models import Escalation, OutboundAlert, UnreachedAlert
from moderation.models import Sanction

pytestmark = pytest.mark.django_db

BAN_REASON = "free text a moderator typed about them"


def participant_client(participant: Participant, **extra: str) -> Client:
    client = Client(**extra)
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    return client


@pytest.fixture
def banned(make_participant) -> Participant:
    participant = make_participant()
    Sanction.objects.create(kind=Sanction.Kind.BAN, participant=participant, reason=BAN_REASON)
    return participant


def resolve(escalation: Escalation, supervisor) -> None:
    actor = staff_actor(supervisor)
    escalation.refresh_from_db()
    if escalation.state == Escalation.State.OPEN:
        handling.do_acknowledge(actor, escalation.pk)
    handling.do_resolve(actor, escalation.pk, "de_escalated")


def resolved_after_commit(
    supervisor, case: Escalation, sent_events, capture
) -> list[tuple[str, dict]]:
    """Resolve an acknowledged case without a chat: nothing is sent before the commit;
    returns the ``urgent.status`` events sent after it, as (group, event)."""
    sent_events.clear()
    with capture(execute=False) as pending:
        handling.do_resolve(staff_actor(supervisor), case.pk, "de_escalated")
    assert not sent_events  # nothing goes out before the commit
    for callback in pending:
        callback()
    return [(group, event) for group, event in sent_events if event["type"] == "urgent.status"]


def audit_text() -> str:
    return json.dumps(list(AuditEntry.objects.values("target", "reason", "data")))


class TestBannedParticipant:
    def test_presses_fold_into_one_case_that_pages_and_names_the_sanction_kind_only(
        self, banned, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        client = participant_client(banned)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/help/urgent/").status_code == 302
            assert client.post("/help/urgent/").status_code == 302  # a second press
        escalation = Escalation.objects.get()
        assert escalation.sanction_kind == "ban"
        assert escalation.level == Escalation.Level.IMMINENT
        assert escalation.reasons == ["participant_request", "banned_participant"]
        assert not QueueTicket.objects.exists()
        pages = [
            event for group, event in sent_events if group == f"escalation.pager.s{supervisor.pk}"
        ]
        assert len(pages) == 1
        assert pages[0]["escalation"]["sanction_kind"] == "ban"
        assert BAN_REASON not in json.dumps(pages[0])
        assert BAN_REASON not in audit_text()
        assert '"sanction": "ban"' in audit_text()

    def test_a_supervisor_takes_over_into_a_supervisors_only_chat_the_ban_lets_them_into(
        self, banned, make_staff, make_group_room
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        client = participant_client(banned)
        client.post("/help/urgent/")
        escalation = Escalation.objects.get()
        room = handling.do_take_over(staff_actor(supervisor), escalation.pk)
        escalation.refresh_from_db()
        assert room.supervisors_only
        assert escalation.room == room
        assert escalation.state == Escalation.State.ACKNOWLEDGED
        assert set(
            RoomMembership.objects.filter(room=room).values_list("role", "participant", "user")
        ) == {("participant", banned.pk, None), ("supervisor", None, supervisor.pk)}
        assert f'href="/chat/{room.pk}/"' in client.get("/help/urgent/").content.decode()
        assert client.get(f"/chat/{room.pk}/").status_code == 200
        # The participant, still banned, may enter and write in that chat ...
        access = check_room_access(participant_actor(banned), room.pk)
        sent = do_send_message(access, str(uuid.uuid4()), "I am still here")
        assert sent.status == Message.Status.DELIVERED
        assert Message.objects.filter(room=room, sender_participant=banned).count() == 1
        # ... and nowhere else: group rooms and the queue still refuse them.
        with pytest.raises(ServiceError) as refused:
            check_room_access(participant_actor(banned), make_group_room().pk)
        assert refused.value.code == "banned"
        with pytest.raises(ServiceError):
            queue_service.do_request_chat(banned)
        assert not QueueTicket.objects.exists()

    def test_a_mentor_can_neither_take_over_nor_enter_nor_receive_the_chat(
        self, banned, make_staff
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        mentor = make_staff(roles.MENTOR)
        participant_client(banned).post("/help/urgent/")
        escalation = Escalation.objects.get()
        with pytest.raises(ServiceError) as refused:
            handling.do_take_over(staff_actor(mentor), escalation.pk)
        assert refused.value.code == "forbidden"
        escalation.refresh_from_db()
        assert escalation.room is None
        room = handling.do_take_over(staff_actor(supervisor), escalation.pk)
        with pytest.raises(ServiceError) as refused:
            check_room_access(staff_actor(mentor), room.pk)
        assert refused.value.code == "forbidden"
        mentor_client = Client()
        mentor_client.force_login(mentor, backend="django.contrib.auth.backends.ModelBackend")
        assert mentor_client.get(f"/chat/{room.pk}/").status_code == 403
        queue_service.do_set_availability(staff_actor(mentor), "available")
        with pytest.raises(ServiceError) as refused:
            queue_service.do_transfer_chat(
                check_room_access(staff_actor(supervisor), room.pk), mentor.pk
            )
        assert refused.value.code == "forbidden"
        assert not RoomMembership.objects.filter(room=room, user=mentor).exists()

    def test_past_the_daily_limit_a_press_is_counted_on_the_console_not_paged(
        self, banned, make_staff, settings
    ):
        settings.URGENT_HELP_BANNED_CASES_PER_DAY = 1
        supervisor = make_staff(roles.SUPERVISOR)
        client = participant_client(banned)
        client.post("/help/urgent/")
        resolve(Escalation.objects.get(), supervisor)
        response = client.post("/help/urgent/")
        again = client.post("/help/urgent/")
        assert response.status_code == again.status_code == 429
        page = response.content.decode()
        assert "several times today" in page
        assert "The supervisors on duty can see that you asked again" in page
        assert 'href="tel:911"' in page
        assert "We&#x27;re getting someone for you now" not in page
        assert Escalation.objects.count() == 1
        alert = UnreachedAlert.objects.get()
        assert (alert.kind, alert.count, alert.participant) == ("banned", 2, banned)
        snapshot = queries.console_snapshot(staff_actor(supervisor))
        assert [(a["kind"], a["count"], a["handle"]) for a in snapshot["unreached"]] == [
            ("banned", 2, banned.handle)
        ]
        assert BAN_REASON not in audit_text()

    def test_a_press_in_the_supervisors_only_chat_keeps_the_mark_and_the_limit(
        self, banned, make_staff, settings
    ):
        settings.URGENT_HELP_BANNED_CASES_PER_DAY = 2
        supervisor = make_staff(roles.SUPERVISOR)
        participant_client(banned).post("/help/urgent/")
        first = Escalation.objects.get()
        room = handling.do_take_over(staff_actor(supervisor), first.pk)
        access = check_room_access(participant_actor(banned), room.pk)
        assert opening.do_urgent_help_in_room(access) == first  # folds while unresolved
        resolve(first, supervisor)
        second = opening.do_urgent_help_in_room(access)  # the chat is still open
        assert second != first
        assert (second.room, second.sanction_kind) == (room, "ban")
        resolve(second, supervisor)
        with pytest.raises(ServiceError) as refused:
            opening.do_urgent_help_in_room(access)
        assert refused.value.code == "unreached"
        assert Escalation.objects.count() == 2
        assert UnreachedAlert.objects.get().count == 1

    def test_the_page_is_in_spanish_for_a_spanish_reader(self, banned):
        client = participant_client(banned, HTTP_ACCEPT_LANGUAGE="es-ES")
        client.post("/help/urgent/")
        page = client.get("/help/urgent/").content.decode()
        assert "un chat privado" in page
        assert "solo con una persona supervisora" in page
        assert 'href="tel:112"' in page


class TestNetworkLimit:
    def test_past_the_urgent_bound_presses_fold_into_one_alert_with_a_count(
        self, settings, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 1
        supervisor = make_staff(roles.SUPERVISOR)
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post("/help/urgent/").status_code == 302
            assert Client().post("/help/urgent/").status_code == 302  # within the urgent bound
            third = Client().post("/help/urgent/")
            fourth = Client().post("/help/urgent/")
        assert third.status_code == fourth.status_code == 429
        page = third.content.decode()
        assert "Many people on your network have asked for help" in page
        assert 'href="tel:911"' in page
        assert "We&#x27;re getting someone for you now" not in page
        assert Escalation.objects.count() == Participant.objects.count() == 2
        alert = UnreachedAlert.objects.get()
        assert (alert.kind, alert.count, alert.participant) == ("network", 2, None)
        alerts = [
            e
            for g, e in sent_events
            if g == publishing.CONSOLE_GROUP and e["type"] == "escalation.unreached"
        ]
        assert [(e["new"], e["alert"]["count"]) for e in alerts] == [(True, 1), (False, 2)]
        snapshot = queries.console_snapshot(staff_actor(supervisor))
        assert [(a["kind"], a["count"]) for a in snapshot["unreached"]] == [("network", 2)]
        assert "127.0.0.1" not in audit_text() + json.dumps(snapshot)

    def test_the_pages_that_go_out_carry_the_count(
        self, settings, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 0
        supervisor = make_staff(roles.SUPERVISOR)
        with django_capture_on_commit_callbacks(execute=True):
            Client().post("/chat/request/")
            assert Client().post("/help/urgent/").status_code == 429
            # The first identity asks for urgent help after the refused press.
            participant_client(Participant.objects.get()).post("/help/urgent/")
        pages = [e for g, e in sent_events if g == f"escalation.pager.s{supervisor.pk}"]
        assert [page["unreached"] for page in pages] == [{"network": 1, "banned": 0}]
        assert paging.page_event(1, {})["unreached"] == {"network": 1, "banned": 0}

    def test_the_pager_hears_once_per_alert_and_every_trigger_carries_the_counts(
        self, settings, banned
    ):
        settings.PAGER_WEBHOOK_URL = "http://127.0.0.1:9/hook"
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 0
        Client().post("/help/urgent/")
        for _ in range(3):
            assert Client().post("/help/urgent/").status_code == 429
        alert = UnreachedAlert.objects.get()
        alarms = OutboundAlert.objects.filter(dedup_key=f"urgent-help-unreached-{alert.pk}")
        assert alarms.count() == 1
        payload = alarms.get().body["payload"]
        assert (payload["severity"], payload["class"]) == ("critical", "urgent_help_unreached")
        assert payload["custom_details"]["kind"] == "network"
        assert alert.subject not in json.dumps(payload)  # not even the pseudonym
        participant_client(banned).post("/help/urgent/")
        case = Escalation.objects.get(participant=banned)
        trigger = OutboundAlert.objects.get(escalation=case, action="trigger")
        details = trigger.body["payload"]["custom_details"]
        assert details["sanction_kind"] == "ban"
        assert details["unreached_last_hour"] == {"network": 3, "banned": 0}
        assert BAN_REASON not in json.dumps(trigger.body)

    def test_the_console_refuses_a_mentor(self, settings, make_staff):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 0
        Client().post("/help/urgent/")
        Client().post("/help/urgent/")
        with pytest.raises(ServiceError) as refused:
            queries.console_snapshot(staff_actor(make_staff(roles.MENTOR)))
        assert refused.value.code == "forbidden"
        assert UnreachedAlert.objects.get().count == 1

    def test_the_urgent_bound_never_lets_ordinary_new_identities_through(self, settings):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 5
        assert Client().post("/chat/request/").status_code == 302
        assert Client().post("/help/urgent/").status_code == 302
        refused = Client().post("/chat/request/")
        assert refused.status_code == 429
        assert Participant.objects.count() == 2
        assert Escalation.objects.count() == 1

    def test_the_page_is_in_spanish_for_a_spanish_reader(self, settings):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 0
        Client().post("/help/urgent/")
        page = Client(HTTP_ACCEPT_LANGUAGE="es-ES").post("/help/urgent/").content.decode()
        assert "Muchas personas de tu red" in page
        assert 'href="tel:112"' in page
        assert UnreachedAlert.objects.get().count == 1


@pytest.mark.django_db(transaction=True)
async def test_the_banned_participant_talks_with_the_supervisor_over_the_room_socket(
    ws_connect, session_for, make_participant, make_staff, make_group_room
):
    """The handshake and a message, end to end: the ban lets them into this room only."""
    from asgiref.sync import sync_to_async

    participant = await sync_to_async(make_participant)()
    await sync_to_async(Sanction.objects.create)(
        kind=Sanction.Kind.BAN, participant=participant, reason=BAN_REASON
    )
    supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
    mentor = await sync_to_async(make_staff)(roles.MENTOR)
    await sync_to_async(opening.do_request_urgent_help)(participant)
    escalation = await sync_to_async(Escalation.objects.get)()
    room = await sync_to_async(handling.do_take_over)(staff_actor(supervisor), escalation.pk)
    participant_key = await sync_to_async(session_for)(participant)
    connected, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/", participant_key)
    assert connected
    supervisor_key = await sync_to_async(session_for)(supervisor)
    connected, _, supervisor_socket = await ws_connect(f"/ws/rooms/{room.pk}/", supervisor_key)
    assert connected
    await socket.send(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "body": "still here"}
    )
    heard = await supervisor_socket.receive_type("message")
    assert heard["body"] == "still here"
    mentor_key = await sync_to_async(session_for)(mentor)
    connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", mentor_key)
    assert (connected, code) == (False, 4403)
    group = await sync_to_async(make_group_room)()
    connected, code, _ = await ws_connect(f"/ws/rooms/{group.pk}/", participant_key)
    assert (connected, code) == (False, 4403)
    assert (
        await sync_to_async(
            Message.objects.filter(room=room, sender_participant=participant).count
        )()
        == 1
    )


class TestBannedParticipantWaitsLive:
    """``/ws/help/urgent/``: the banned person's page hears that the chat is open, or that
    their case was closed without one, and nothing else; nobody else hears it."""

    def test_taking_over_tells_that_case_alone(
        self, banned, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        participant_client(banned).post("/help/urgent/")
        escalation = Escalation.objects.get()
        sent_events.clear()
        with django_capture_on_commit_callbacks(execute=True):
            room = handling.do_take_over(staff_actor(supervisor), escalation.pk)
        told = [(group, event) for group, event in sent_events if event["type"] == "urgent.status"]
        assert told == [
            (
                publishing.case_group(escalation.pk),
                {"type": "urgent.status", "state": "open", "room": room.pk},
            )
        ]
        # Not their actor group: that reaches every socket they have open.
        assert not [group for group, _ in sent_events if group == f"actor.p{banned.pk}"]
        assert queries.banned_wait(banned.pk) == (escalation.pk, "open", room.pk)

    def test_resolving_without_a_chat_tells_that_case_alone_after_commit(
        self, banned, make_participant, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        other = make_participant()
        Sanction.objects.create(kind=Sanction.Kind.BAN, participant=other, reason=BAN_REASON)
        participant_client(banned).post("/help/urgent/")
        participant_client(other).post("/help/urgent/")
        case = Escalation.objects.get(participant=banned)
        other_case = Escalation.objects.get(participant=other)
        handling.do_acknowledge(staff_actor(supervisor), case.pk)
        told = resolved_after_commit(
            supervisor, case, sent_events, django_capture_on_commit_callbacks
        )
        assert told == [
            (
                publishing.case_group(case.pk),
                {"type": "urgent.status", "state": "closed", "room": None},
            )
        ]
        # The consoles hear the resolution as before, and nothing of the waiting page's;
        # neither the other banned person's page nor any of this person's other sockets.
        groups = {group for group, _ in sent_events}
        assert groups == {publishing.CONSOLE_GROUP, publishing.case_group(case.pk)}
        assert publishing.case_group(other_case.pk) not in groups
        # No ban reason and no supervisor on the page's frame.
        assert BAN_REASON not in json.dumps(told)
        assert supervisor.email not in json.dumps(told)
        assert queries.banned_wait(banned.pk) == (case.pk, "closed", None)
        assert queries.banned_wait(other.pk) == (other_case.pk, "waiting", None)

    def test_an_ordinary_case_resolved_in_the_queue_tells_their_own_sockets_after_commit(
        self, make_participant, make_staff, sent_events, django_capture_on_commit_callbacks
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        ordinary = make_participant()
        other = make_participant()
        queue_service.do_request_chat(other)
        case = opening.do_request_urgent_help(ordinary)
        handling.do_acknowledge(staff_actor(supervisor), case.pk)
        told = resolved_after_commit(
            supervisor, case, sent_events, django_capture_on_commit_callbacks
        )
        # Their own sockets only (the queue's socket answers it), not the queue's group.
        assert told == [
            (f"actor.p{ordinary.pk}", {"type": "urgent.status", "state": "closed", "room": None})
        ]
        assert {group for group, _ in sent_events} == {
            publishing.CONSOLE_GROUP,
            f"actor.p{ordinary.pk}",
        }
        assert supervisor.email not in json.dumps(told)
        # Resolving the case leaves them in the queue at the place they had (the front):
        # they still want a peer mentor, and one still comes.
        ticket = QueueTicket.objects.get(participant=ordinary)
        assert ticket.status == QueueTicket.Status.WAITING
        assert ticket.priority == opening.QUEUE_PRIORITY[Escalation.Level.IMMINENT]
        assert queue_service.queue_status(ordinary).position == 1
        assert queries.closed_without_chat(ordinary.pk) == case
        assert queries.banned_wait(ordinary.pk) is None

    def test_only_a_banned_participants_newest_case_unresolved_or_closed_without_chat_counts(
        self, banned, make_participant, make_staff
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        ordinary = make_participant()
        opening.do_request_urgent_help(ordinary)  # an ordinary case: they wait in the queue
        assert queries.banned_wait(ordinary.pk) is None
        assert queries.banned_wait(banned.pk) is None  # banned, but has not asked
        participant_client(banned).post("/help/urgent/")
        case = Escalation.objects.get(participant=banned)
        assert queries.banned_wait(banned.pk) == (case.pk, "waiting", None)
        resolve(case, supervisor)
        assert queries.banned_wait(banned.pk) == (case.pk, "closed", None)
        # Resolved after the chat it opened: nothing left to wait on.
        chatted = make_participant()
        Sanction.objects.create(kind=Sanction.Kind.BAN, participant=chatted, reason=BAN_REASON)
        participant_client(chatted).post("/help/urgent/")
        chatted_case = Escalation.objects.get(participant=chatted)
        handling.do_take_over(staff_actor(supervisor), chatted_case.pk)
        resolve(chatted_case, supervisor)
        assert queries.banned_wait(chatted.pk) is None

    def test_the_page_of_a_case_closed_without_a_chat_says_so_with_the_lines_and_the_button(
        self, banned, make_staff
    ):
        supervisor = make_staff(roles.SUPERVISOR, name="Rosalind Quill")
        client = participant_client(banned, HTTP_ACCEPT_LANGUAGE="en-GB")
        client.post("/help/urgent/")
        resolve(Escalation.objects.get(), supervisor)
        # The page's "Check whether the chat is ready" link, as without scripts.
        response = client.get("/help/urgent/")
        page = response.content.decode()
        assert response.status_code == 200
        assert response.context["support"]["kind"] == "urgent_help_closed"
        assert response.context["support"]["emergency_first"] is True
        status = response.context["closed_status"]
        assert status.startswith(
            "A supervisor closed your request for urgent help without opening a chat. "
        )
        assert status.endswith("call 999 now.")  # the UK's, from the checked list
        assert f'role="status" aria-live="polite">{status}</p>' in page
        # The emergency number comes before the words and the lines.
        assert page.index('href="tel:') < page.index("You can talk to someone at one")
        assert 'action="/help/urgent/"' in page  # the button to ask again
        assert "urgent-wait.js" not in page  # nothing more to wait for
        assert "Check whether the chat is ready" not in page
        assert BAN_REASON not in page
        assert "Rosalind Quill" not in page and supervisor.email not in page
        # Asking again is a new press, within the day's limit.
        assert client.post("/help/urgent/").status_code == 302
        assert Escalation.objects.filter(participant=banned).count() == 2
        assert queries.banned_wait(banned.pk).state == "waiting"
        assert "Check whether the chat is ready" in client.get("/help/urgent/").content.decode()

    def test_the_closed_page_is_in_spanish_for_a_spanish_reader(self, banned, make_staff):
        client = participant_client(banned, HTTP_ACCEPT_LANGUAGE="es-ES")
        client.post("/help/urgent/")
        resolve(Escalation.objects.get(), make_staff(roles.SUPERVISOR))
        response = client.get("/help/urgent/")
        page = response.content.decode()
        assert response.context["support"]["heading"] != "Your request was closed without a chat"
        assert "A supervisor closed" not in page
        assert 'href="tel:112"' in page
        assert "112" in response.context["closed_status"]


class TestOrdinaryRequestClosedWithoutChat:
    """An ordinary participant's urgent-help request, resolved by a supervisor before a
    mentor picked them up: the page never falls back to the start view that hides that
    they asked."""

    def test_still_queued_the_page_shows_the_closing_the_lines_the_place_and_the_button(
        self, make_participant, make_staff
    ):
        supervisor = make_staff(roles.SUPERVISOR, name="Rosalind Quill")
        ahead = make_participant()
        queue_service.do_request_chat(ahead)
        ordinary = make_participant()
        client = participant_client(ordinary, HTTP_ACCEPT_LANGUAGE="en-GB")
        assert client.post("/help/urgent/").status_code == 302
        case = Escalation.objects.get(participant=ordinary)
        resolve(case, supervisor)
        # Reload, Back or a restored tab: a GET.
        response = client.get("/help/urgent/")
        page = response.content.decode()
        assert response.status_code == 200
        assert response.context["asked"] is True
        assert response.context["support"]["kind"] == "urgent_help_closed"
        assert response.context["support"]["emergency_first"] is True
        assert response.context["closed_status"] == (
            "A supervisor closed your request for urgent help without opening a chat. "
            "If you are in immediate danger, or you have hurt yourself, call 999 now."
        )
        # Still waiting, at the front (the imminent press put them there), said on the page.
        assert response.context["waiting"] is True
        assert 'role="status" aria-live="polite">You are number 1 in the queue.</p>' in page
        assert "You are still in the queue for a peer mentor." in page
        assert 'data-urgent="closed"' in page and "queue.js" in page
        assert page.index('href="tel:') < page.index("You can talk to someone at one")
        assert 'action="/help/urgent/"' in page  # the button to ask again
        assert "a supervisor has been alerted" not in page  # no longer true
        assert "Rosalind Quill" not in page and supervisor.email not in page
        assert QueueTicket.objects.get(participant=ordinary).status == QueueTicket.Status.WAITING
        # Asking again opens a new case (pages again) and keeps the one ticket.
        assert client.post("/help/urgent/").status_code == 302
        assert Escalation.objects.filter(participant=ordinary).count() == 2
        assert QueueTicket.objects.filter(participant=ordinary).count() == 1
        again = client.get("/help/urgent/")
        assert again.context["waiting"] is True and "closed_status" not in again.context
        assert again.context["support"]["kind"] == "urgent_help"

    def test_out_of_the_queue_the_page_says_it_was_closed_like_a_banned_persons(
        self, make_participant, make_staff
    ):
        ordinary = make_participant()
        client = participant_client(ordinary, HTTP_ACCEPT_LANGUAGE="es-ES")
        client.post("/help/urgent/")
        resolve(Escalation.objects.get(), make_staff(roles.SUPERVISOR))
        queue_service.do_leave_queue(ordinary)
        response = client.get("/help/urgent/")
        page = response.content.decode()
        assert response.context["support"]["kind"] == "urgent_help_closed"
        assert "waiting" not in response.context
        assert 'id="queue"' not in page and "queue.js" not in page
        assert 'id="supervisor-wait" class="card" data-state="closed"' in page
        assert "<h2>Tu petición de ayuda urgente</h2>" in page  # no supervisor chat was coming
        assert "Tu petición se cerró sin un chat" in page
        assert "112" in response.context["closed_status"]
        assert 'action="/help/urgent/"' in page

    def test_in_a_chat_since_the_page_is_no_longer_about_the_closed_request(
        self, make_participant, make_staff
    ):
        ordinary = make_participant()
        client = participant_client(ordinary)
        client.post("/help/urgent/")
        resolve(Escalation.objects.get(), make_staff(roles.SUPERVISOR))
        mentor = make_staff(roles.MENTOR)
        ticket = QueueTicket.objects.get(participant=ordinary)
        queue_service.do_set_availability(staff_actor(mentor), "available")
        queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
        response = client.get("/help/urgent/")
        assert response.context["asked"] is False
        assert "closed_status" not in response.context

    def test_a_start_view_for_someone_who_never_asked_and_refused_to_staff(
        self, make_participant, make_staff
    ):
        never = participant_client(make_participant())
        assert never.get("/help/urgent/").context["asked"] is False
        staff = Client()
        staff.force_login(make_staff(roles.SUPERVISOR))
        assert staff.get("/help/urgent/").status_code == 302


@pytest.mark.django_db(transaction=True)
async def test_the_banned_participants_page_socket_hears_its_case_open_or_close_alone(
    ws_connect, session_for, make_participant, make_staff
):
    from asgiref.sync import sync_to_async

    async def banned_with_a_case() -> tuple[Participant, Escalation]:
        person = await sync_to_async(make_participant)()
        await sync_to_async(Sanction.objects.create)(
            kind=Sanction.Kind.BAN, participant=person, reason=BAN_REASON
        )
        await sync_to_async(opening.do_request_urgent_help)(person)
        case = await sync_to_async(Escalation.objects.get)(participant=person)
        return person, case

    first, first_case = await banned_with_a_case()
    second, second_case = await banned_with_a_case()
    third, third_case = await banned_with_a_case()
    ordinary = await sync_to_async(make_participant)()
    await sync_to_async(opening.do_request_urgent_help)(ordinary)
    supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
    mentor = await sync_to_async(make_staff)(roles.MENTOR)

    connected, _, socket = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(first)
    )
    assert connected
    waiting = {"type": "urgent.status", "state": "waiting", "room": None}
    assert await socket.receive() == waiting
    connected, _, other = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(second)
    )
    assert connected
    assert await other.receive() == waiting
    connected, _, closing = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(third)
    )
    assert connected
    assert await closing.receive() == waiting

    room = await sync_to_async(handling.do_take_over)(staff_actor(supervisor), first_case.pk)
    assert await socket.receive() == {"type": "urgent.status", "state": "open", "room": room.pk}
    # The third person's case is resolved without a chat: their page is told.
    closed = {"type": "urgent.status", "state": "closed", "room": None}
    await sync_to_async(handling.do_acknowledge)(staff_actor(supervisor), third_case.pk)
    await sync_to_async(handling.do_resolve)(staff_actor(supervisor), third_case.pk, "referred")
    assert await closing.receive() == closed
    # The other banned person's socket: the first frame after connecting is their own chat's
    # (neither the first chat's opening nor the third case's closing reached it).
    second_room = await sync_to_async(handling.do_take_over)(
        staff_actor(supervisor), second_case.pk
    )
    assert await other.receive() == {
        "type": "urgent.status",
        "state": "open",
        "room": second_room.pk,
    }
    assert second_room.pk != room.pk

    # A page opened after the chat was: told at once.
    connected, _, late = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(first)
    )
    assert connected
    assert await late.receive() == {"type": "urgent.status", "state": "open", "room": room.pk}
    # A page that connects after the case was closed without a chat: told at once.
    connected, _, late_closed = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(third)
    )
    assert connected
    assert await late_closed.receive() == closed

    # Refused: staff (the supervisor who took it over too), a participant whose case is an
    # ordinary one (the queue's socket is theirs), and a visitor without an identity.
    for person in (supervisor, mentor, ordinary):
        connected, code, _ = await ws_connect(
            "/ws/help/urgent/", await sync_to_async(session_for)(person)
        )
        assert (connected, code) == (False, 4403)
    connected, code, _ = await ws_connect("/ws/help/urgent/")
    assert (connected, code) == (False, 4401)
    # The queue's socket still refuses the banned person.
    connected, code, _ = await ws_connect("/ws/queue/", await sync_to_async(session_for)(first))
    assert (connected, code) == (False, 4403)
    assert await sync_to_async(queries.banned_wait)(first.pk) == (first_case.pk, "open", room.pk)
    assert await sync_to_async(queries.banned_wait)(third.pk) == (third_case.pk, "closed", None)


@pytest.mark.django_db(transaction=True)
async def test_an_ordinary_participants_queue_socket_hears_their_case_closed_alone(
    ws_connect, session_for, make_participant, make_staff
):
    from asgiref.sync import sync_to_async

    ordinary = await sync_to_async(make_participant)()
    other = await sync_to_async(make_participant)()
    await sync_to_async(opening.do_request_urgent_help)(ordinary)
    await sync_to_async(opening.do_request_urgent_help)(other)
    case = await sync_to_async(Escalation.objects.get)(participant=ordinary)
    supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
    mentor = await sync_to_async(make_staff)(roles.MENTOR)

    connected, _, socket = await ws_connect(
        "/ws/queue/", await sync_to_async(session_for)(ordinary)
    )
    assert connected
    assert (await socket.receive())["position"] == 1
    connected, _, bystander = await ws_connect(
        "/ws/queue/", await sync_to_async(session_for)(other)
    )
    assert connected
    assert (await bystander.receive())["position"] == 2

    await sync_to_async(handling.do_acknowledge)(staff_actor(supervisor), case.pk)
    await sync_to_async(handling.do_resolve)(staff_actor(supervisor), case.pk, "referred")
    assert await socket.receive_type("urgent.status") == {
        "type": "urgent.status",
        "state": "closed",
        "room": None,
    }
    # The other person in the queue hears nothing of it.
    assert await bystander.nothing()
    # Still in the queue at the front, as a fresh status says.
    await socket.send({"type": "ping"})
    status = await socket.receive_type("queue.status")
    assert (status["state"], status["position"]) == ("waiting", 1)

    # Refused: staff on the queue's socket, and an ordinary person on the banned page's.
    for person in (supervisor, mentor):
        connected, code, _ = await ws_connect(
            "/ws/queue/", await sync_to_async(session_for)(person)
        )
        assert (connected, code) == (False, 4403)
    connected, code, _ = await ws_connect(
        "/ws/help/urgent/", await sync_to_async(session_for)(ordinary)
    )
    assert (connected, code) == (False, 4403)
    assert await sync_to_async(queries.closed_without_chat)(ordinary.pk) == case
    assert await sync_to_async(queries.closed_without_chat)(other.pk) is None

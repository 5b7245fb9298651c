"""The supervisor console page, the urgent-help endpoint and the escalation controls in pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.models import Participant, QueueTicket
from chatplatform.services.participants import SESSION_KEY
from escalation.models import Escalation

pytestmark = pytest.mark.django_db


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def participant_client(participant: Participant) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    return client


def without_csrf_tokens(response) -> str:
    """A page's HTML with its per-render CSRF tokens blanked, to compare two renders."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


class TestSupervisorConsolePage:
    @pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.ADMIN])
    def test_supervisors_and_admins_get_the_console(self, role, make_staff):
        response = staff_client(make_staff(role)).get("/supervisor/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-ws-path="/ws/supervisor/"' in page
        assert "Emergency services contacted" in page

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_other_staff_are_refused(self, role, make_staff):
        assert staff_client(make_staff(role)).get("/supervisor/").status_code == 403

    def test_participants_are_sent_to_the_staff_login(self, make_participant):
        response = participant_client(make_participant()).get("/supervisor/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


class TestUrgentHelpEndpoint:
    def test_landing_and_queue_pages_show_the_urgent_help_button(self, client, make_participant):
        assert 'action="/help/urgent/"' in client.get("/").content.decode()
        participant = make_participant()
        visitor = participant_client(participant)
        visitor.post("/chat/request/")
        assert 'action="/help/urgent/"' in visitor.get("/queue/").content.decode()

    def test_first_time_visitor_gets_help_and_an_escalation_without_a_mentor(self, client):
        client.get("/")
        response = client.post("/help/urgent/")
        assert response.status_code == 302
        assert response.url == "/help/urgent/"
        page = client.get(response.url).content.decode()
        assert "We&#x27;re getting someone for you now" in page
        assert "call 911 now" in page
        assert 'href="tel:911"' in page
        assert 'data-ws-path="/ws/queue/"' in page
        participant = Participant.objects.get()
        escalation = Escalation.objects.get()
        assert (escalation.participant, escalation.room) == (participant, None)
        assert QueueTicket.objects.get(participant=participant).priority > 0

    def test_reload_back_and_a_second_press_show_the_same_case_and_never_open_another(self, client):
        client.get("/")
        client.post("/help/urgent/")
        first = client.get("/help/urgent/")
        again = client.get("/help/urgent/")  # a reload, Back, or a restored tab
        client.post("/help/urgent/")  # a second press
        after_second_press = client.get("/help/urgent/")
        assert first.status_code == again.status_code == after_second_press.status_code == 200
        assert without_csrf_tokens(first) == without_csrf_tokens(again)
        assert "We&#x27;re getting someone for you now" in after_second_press.content.decode()
        assert Escalation.objects.count() == 1
        assert QueueTicket.objects.count() == 1

    def test_the_page_without_a_press_shows_the_lines_and_the_button_but_opens_nothing(
        self, client
    ):
        page = client.get("/help/urgent/").content.decode()
        assert 'action="/help/urgent/"' in page
        assert "988" in page
        assert not Escalation.objects.exists()
        assert not Participant.objects.exists()

    def test_after_the_case_is_resolved_the_page_offers_the_button_again(self, client, make_staff):
        from chatplatform.actors import staff_actor
        from escalation import handling

        client.post("/help/urgent/")
        supervisor = staff_actor(make_staff(roles.SUPERVISOR))
        escalation = Escalation.objects.get()
        handling.do_acknowledge(supervisor, escalation.pk)
        handling.do_resolve(supervisor, escalation.pk, "de_escalated")
        page = client.get("/help/urgent/").content.decode()
        assert "We&#x27;re getting someone for you now" not in page
        assert 'action="/help/urgent/"' in page

    def test_the_chosen_region_decides_the_lines(self, client):
        client.get("/")
        client.post("/help/region/", {"region": "GB"})
        client.post("/help/urgent/")
        page = client.get("/help/urgent/").content.decode()
        assert "Samaritans" in page
        assert "call 999 now" in page
        assert "988 Suicide" not in page

    def test_a_banned_participant_gets_a_supervisors_only_case_and_an_honest_page(
        self, make_participant
    ):
        from moderation.models import Sanction

        banned = make_participant()
        Sanction.objects.create(kind=Sanction.Kind.BAN, participant=banned, reason="typed by staff")
        client = participant_client(banned)
        response = client.post("/help/urgent/")
        assert response.status_code == 302
        page = client.get("/help/urgent/").content.decode()
        assert "will open a private chat with you" in page
        assert "this chat is with a supervisor only" in page
        assert 'href="tel:911"' in page
        assert 'data-ws-path="/ws/queue/"' not in page  # the ban still keeps them off the queue
        # Their own case's socket tells the page when the chat opens; without scripts, the
        # link reloads it. The live region starts with what is true without a socket.
        assert 'data-ws-path="/ws/help/urgent/"' in page
        assert "frontend/js/urgent-wait.js" in page
        assert 'aria-live="polite">No supervisor has opened the chat yet.' in page
        assert "Check whether the chat is ready" in page
        assert "typed by staff" not in page
        escalation = Escalation.objects.get()
        assert escalation.sanction_kind == "ban"
        assert "banned_participant" in escalation.reasons
        assert (escalation.participant, escalation.room) == (banned, None)
        assert not QueueTicket.objects.exists()

    def test_a_participant_in_a_chat_is_sent_back_to_it(self, make_direct_chat):
        room, participant, _ = make_direct_chat()
        client = participant_client(participant)
        client.post("/help/urgent/")
        page = client.get("/help/urgent/").content.decode()
        assert f'href="/chat/{room.pk}/"' in page
        assert "will join your chat" in page
        assert Escalation.objects.get().room == room

    def test_a_network_over_the_identity_limit_still_opens_a_case_within_its_urgent_bound(
        self, settings
    ):
        settings.NEW_IDENTITIES_PER_HOUR = 1
        settings.URGENT_HELP_IDENTITIES_PER_HOUR = 1
        Client().post("/help/urgent/")
        second = Client()
        response = second.post("/help/urgent/")
        assert response.status_code == 302
        assert (
            "We&#x27;re getting someone for you now" in second.get("/help/urgent/").content.decode()
        )
        assert Escalation.objects.count() == 2
        assert Participant.objects.count() == 2
        assert QueueTicket.objects.count() == 2

    def test_staff_are_not_participants(self, make_staff):
        response = staff_client(make_staff(roles.MENTOR)).post("/help/urgent/")
        assert response.status_code == 302
        assert not Escalation.objects.exists()

    def test_other_methods_are_refused(self, client):
        assert client.put("/help/urgent/").status_code == 405
        assert not Escalation.objects.exists()


class TestRoomPage:
    def test_participant_sees_the_urgent_help_button_and_no_staff_tools(self, make_direct_chat):
        room, participant, _ = make_direct_chat()
        page = participant_client(participant).get(f"/chat/{room.pk}/").content.decode()
        assert 'id="urgent-help"' in page
        assert 'id="crisis-support"' in page
        assert "escalate-form" not in page

    def test_mentor_sees_the_escalate_form_and_the_protocol(self, make_direct_chat):
        room, _, mentor = make_direct_chat()
        page = staff_client(mentor).get(f"/chat/{room.pk}/").content.decode()
        assert 'id="escalate-form"' in page
        assert "Are you thinking about suicide?" in page
        assert 'id="escalation-status"' in page
        assert 'id="urgent-help"' not in page


def test_supervisors_find_their_console_from_the_staff_console(make_staff):
    page = staff_client(make_staff(roles.SUPERVISOR)).get("/staff/").content.decode()
    assert 'href="/supervisor/"' in page
    mentor_page = staff_client(make_staff(roles.MENTOR)).get("/staff/").content.decode()
    assert 'href="/supervisor/"' not in mentor_page

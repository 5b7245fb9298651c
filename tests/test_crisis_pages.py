"""Crisis lines on the pages: the person's region, said plainly, changed in one tap."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.models import Participant
from chatplatform.services.participants import SESSION_KEY

pytestmark = pytest.mark.django_db


def help_page(client: Client, accept_language: str = "") -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    return client.get("/help/", **headers).content.decode()


def numbers_offered(page: str) -> set[str]:
    return set(re.findall(r'href="tel:(\d+)"', page))


def test_a_browser_in_spain_gets_spains_lines_and_no_us_numbers(client):
    page = help_page(client, "es-ES,es;q=0.9")
    assert numbers_offered(page) == {"024", "717003717", "112"}
    assert not re.search(r"\b(911|988)\b", page)
    assert "Te mostramos las líneas de España" in page


def test_a_browser_in_mexico_gets_mexicos_lines(client):
    page = help_page(client, "es-MX,es;q=0.9")
    assert "Línea de la Vida" in page
    assert numbers_offered(page) == {"8009112000", "911"}
    assert "puedes llamar al 911" in page
    for other in ("024", "988", "112"):
        assert not re.search(rf"\b{other}\b", page), other


@pytest.mark.parametrize(
    ("header", "service", "absent"),
    [
        ("en-GB,en;q=0.9", "Samaritans", "988"),
        ("en-AU", "Lifeline", "988"),
        ("fr-CA,fr;q=0.8", "9-8-8 Suicide Crisis Helpline", "116 123"),
        ("en-US", "988 Suicide", "116 123"),
    ],
)
def test_other_regions_from_the_browser(client, header, service, absent):
    page = help_page(client, header)
    assert service in page
    assert absent not in page


def test_bare_spanish_asks_which_country_offering_spain_and_mexico_first(client):
    page = help_page(client, "es")
    assert "¿En qué país estás?" in page
    quick = re.findall(r'<button type="submit" name="region" value="(\w+)"', page)
    assert quick[:2] == ["ES", "MX"]
    # Both countries' lines show while we wait for the answer, each under its name.
    assert "024" in page and "800 911 2000" in page
    assert re.search(r'<h3 class="crisis-country">España</h3>', page)
    assert "112 en España, 911 en México" in page


def test_the_change_is_one_tap_and_returns_to_the_page(client):
    help_page(client, "es-ES")
    response = client.post(
        "/help/region/", {"region": "MX", "next": "/help/"}, HTTP_ACCEPT_LANGUAGE="es-ES"
    )
    assert response.status_code == 302 and response.url == "/help/"
    page = help_page(client, "es-ES")
    assert "Líneas de México." in page
    assert "024" not in page


def test_a_choice_is_kept_on_the_participants_identity(client):
    client.post("/chat/request/", HTTP_ACCEPT_LANGUAGE="es-ES")
    participant = Participant.objects.get()
    assert (participant.locale_region, participant.crisis_region) == ("ES", "")
    client.post("/help/region/", {"region": "GB"})
    participant.refresh_from_db()
    assert participant.crisis_region == "GB"


def test_a_region_without_lines_is_refused_and_the_default_kept(client, settings):
    client.post("/help/region/", {"region": "ZZ"})
    assert client.session["crisis_region"] == settings.DEFAULT_CRISIS_REGION


def test_every_participant_page_says_which_country_and_offers_the_change(client):
    for path in ("/", "/help/", "/privacy/"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
        assert "Showing lines for United Kingdom" in page, path
        assert 'action="/help/region/"' in page, path


def test_staff_in_the_chat_see_the_participants_region_and_lines(make_direct_chat):
    visitor = Client()
    visitor.post("/chat/request/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    participant = Participant.objects.get()
    room, _, mentor = make_direct_chat(participant=participant)
    staff = Client()
    staff.force_login(mentor, backend="django.contrib.auth.backends.ModelBackend")
    page = staff.get(f"/chat/{room.pk}/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    section = page[page.index('id="participant-lines-heading"') :]
    assert "They are shown the lines for Mexico" in section
    assert "800 911 2000" in section


def test_the_participant_does_not_see_the_staff_view_of_their_lines(make_direct_chat):
    room, participant, _ = make_direct_chat()
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    page = client.get(f"/chat/{room.pk}/").content.decode()
    assert "participant-lines" not in page


def test_supervisors_and_admins_are_staff_too(make_direct_chat, make_staff):
    # The staff view of the lines goes with the Escalate form: mentors of the chat only.
    room, _, _ = make_direct_chat()
    evaluator = Client()
    evaluator.force_login(make_staff(roles.EVALUATOR))
    assert evaluator.get(f"/chat/{room.pk}/").status_code == 403


def test_a_browser_in_spain_reads_the_help_page_in_spanish(client):
    page = help_page(client, "es-ES,es;q=0.9")
    assert '<html lang="es">' in page
    assert "Te mostramos las líneas de España" in page
    assert "Llamar al 112 (emergencias)" in page and "Llamar al 024" in page
    assert "Abierta las 24 horas, los 7 días de la semana. Gratuita." in page
    assert "Si estás en peligro ahora mismo, puedes llamar al 112." in page
    assert not re.search(r"\b(911|988)\b", page)
    assert "Showing lines" not in page and "Open 24 hours" not in page


def test_a_browser_in_mexico_reads_mexicos_lines_in_spanish(client):
    page = help_page(client, "es-MX,es;q=0.9")
    assert "Te mostramos las líneas de México" in page
    assert "Llamar al 800 911 2000" in page
    assert "puedes llamar al 911" in page


def test_choosing_a_country_in_a_chat_tells_the_chat_to_fetch_the_lines_again(
    make_direct_chat, sent_events, django_capture_on_commit_callbacks
):
    room, participant, _ = make_direct_chat()
    make_direct_chat()  # another participant's chat, which must not be told
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/help/region/", {"region": "MX", "next": f"/chat/{room.pk}/"})
    participant.refresh_from_db()
    assert participant.crisis_region == "MX"
    # The frame names the room and nothing else (no country, no line), and goes to that
    # chat only, not to another participant's.
    assert sent_events == [
        (
            f"room.{room.pk}",
            {"type": "chat.frame", "frame": {"type": "participant.lines", "room": room.pk}},
        )
    ]
    # The same choice again changes nothing and tells nobody.
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/help/region/", {"region": "MX"})
    assert sent_events == []


def test_a_participant_who_wrote_in_spanish_is_asked_on_the_pages_too(make_participant):
    participant = make_participant()
    participant.written_language = "es"
    participant.save()
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    page = help_page(client, "en")
    assert '<html lang="en">' in page
    assert "Which country are you in?" in page
    assert "024" in page and "800 911 2000" in page
    assert not re.search(r"\b988\b", page)
    # Another visitor with the same browser, who wrote nothing flagged, gets the default.
    assert "988" in help_page(Client(), "en")


def test_the_refusal_page_claims_nothing_the_lines_do_not_establish(make_participant):
    """Teléfono de la Esperanza is listed without "free": the page must not call every line free."""
    from chatplatform.models import QueueTicket
    from moderation.models import Sanction

    banned = make_participant()
    Sanction.objects.create(kind=Sanction.Kind.BAN, participant=banned)
    client = Client()
    session = client.session
    session[SESSION_KEY] = banned.pk
    session.save()
    response = client.post("/chat/request/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    page = response.content.decode()
    assert response.status_code == 403
    assert "717 003 717" in page or "717003717" in page
    assert "puedes contactar con las líneas de abajo" in page
    assert "gratuitas y están abiertas" not in page
    assert not QueueTicket.objects.exists()

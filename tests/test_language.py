"""Language: chosen from Accept-Language, switched on every page, kept for the browser session,
and the same on pages, websockets and the JavaScript catalogue.

The last tests walk the participant's pages in Spanish (the research surveys, the safety
plan and the error pages included) and fail if any shows an English interface string from
the catalogues, or a common English word (text no catalogue has).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import polib
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import CrisisResource, Room
from evaluation.models import SurveyResponse
from tests.servers import REPO_ROOT
from tests.test_translations import catalogues

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis_lines(db):
    CrisisResource.objects.all().delete()
    return CrisisResource.objects.create(
        region="US", region_name="United States", service="988 Suicide & Crisis Lifeline",
        phone="988", text_number="988", open_24_7=True, cost="free", emergency_number="911",
        source="test", last_checked="2026-11-01",
    )  # fmt: skip


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, "the page has no <html lang>"
    return match.group(1)


class TestChoosingTheLanguage:
    def test_english_is_the_default(self, client, crisis_lines):
        response = client.get("/")
        page = response.content.decode()
        assert html_lang(page) == "en"
        assert response["Content-Language"] == "en"
        assert "Talk to a peer mentor" in page

    def test_accept_language_chooses_spanish(self, client, crisis_lines):
        response = client.get("/", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
        page = response.content.decode()
        assert html_lang(page) == "es"
        assert response["Content-Language"] == "es"
        assert "Hablar con una persona mentora" in page
        assert "Talk to a peer mentor" not in page

    def test_a_language_the_site_lacks_falls_back_to_english(self, client, crisis_lines):
        page = client.get("/", headers={"accept-language": "fr-FR,fr"}).content.decode()
        assert html_lang(page) == "en"

    def test_every_page_offers_the_other_language_named_in_itself(self, client, crisis_lines):
        for path in ("/", "/help/", "/privacy/", "/accounts/login/"):
            english = client.get(path).content.decode()
            assert re.search(
                r'<button[^>]*name="language" value="es" lang="es"[^>]*>Español<', english
            ), path
            spanish = client.get(path, headers={"accept-language": "es"}).content.decode()
            assert re.search(
                r'<button[^>]*name="language" value="en" lang="en"[^>]*>English<', spanish
            ), path
            assert 'action="/i18n/setlang/"' in spanish, path


class TestTheSwitch:
    def test_switching_keeps_the_language_for_the_browser_session(self, client, crisis_lines):
        response = client.post("/i18n/setlang/", {"language": "es", "next": "/privacy/"})
        assert response.status_code == 302 and response.url == "/privacy/"
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == "es"
        # No max-age and no expiry: the browser forgets it when it closes.
        assert not cookie["max-age"] and not cookie["expires"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        page = client.get("/privacy/", headers={"accept-language": "en"}).content.decode()
        assert html_lang(page) == "es"
        assert "Tu privacidad" in page

    def test_only_a_post_switches(self, client, crisis_lines):
        for method in (client.get, client.put, client.delete):
            response = method("/i18n/setlang/?language=es&next=/")
            assert response.status_code == 405
            assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
        page = client.get("/", headers={"accept-language": "en"}).content.decode()
        assert html_lang(page) == "en"

    def test_switching_back_to_english(self, client, crisis_lines):
        client.post("/i18n/setlang/", {"language": "es", "next": "/"})
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        page = client.get("/", headers={"accept-language": "es"}).content.decode()
        assert html_lang(page) == "en"

    def test_an_unknown_language_changes_nothing(self, client, crisis_lines):
        response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
        assert response.status_code == 302
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
        assert html_lang(client.get("/").content.decode()) == "en"

    def test_next_may_not_leave_the_site(self, client, crisis_lines):
        response = client.post(
            "/i18n/setlang/", {"language": "es", "next": "https://evil.example/"}
        )
        assert response.status_code == 302
        assert not response.url.startswith("https://evil.example")
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"

    def test_the_switch_needs_the_csrf_token(self, crisis_lines):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
        assert response.status_code == 403
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies

    def test_staff_pages_follow_the_switch(self, client, make_staff):
        mentor = make_staff(roles.MENTOR)
        client.force_login(mentor)
        client.post("/i18n/setlang/", {"language": "es", "next": "/staff/"})
        page = client.get("/staff/").content.decode()
        assert html_lang(page) == "es"
        assert "Panel de mentoría" in page
        assert "Mentor console" not in page


def served_catalogue(client: Client, **headers: str) -> dict[str, str | list[str]]:
    script = client.get("/jsi18n/", headers=headers).content.decode()
    assert "django.gettext = function" in script
    # Django leaves the catalogue out of the script when it is empty.
    match = re.search(r"const newcatalog = (\{.*?\});", script, re.DOTALL)
    return json.loads(match.group(1)) if match else {}


class TestJavaScriptCatalogue:
    def test_spanish_catalogue_holds_every_javascript_string(self, client):
        served = served_catalogue(client, accept_language="es")
        catalogue = polib.pofile(str(REPO_ROOT / "frontend/locale/es/LC_MESSAGES/djangojs.po"))
        for entry in catalogue:
            expected = (
                [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
                if entry.msgid_plural
                else entry.msgstr
            )
            assert served.get(entry.msgid) == expected, entry.msgid
        assert served["Connected"] == "Conectado"

    def test_english_catalogue_is_empty_and_admin_strings_stay_out(self, client):
        assert served_catalogue(client) == {}
        spanish = served_catalogue(client, accept_language="es")
        # django.contrib.admin's calendar strings are not for participants.
        assert "Midnight" not in spanish and "Today" not in spanish


@pytest.mark.django_db(transaction=True)
class TestWebsocketLanguage:
    async def test_error_details_follow_the_language_cookie(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        room = await sync_to_async(make_group_room)()
        participant = await sync_to_async(make_participant)()
        key = await sync_to_async(session_for)(participant)
        connected, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key, language="es")
        assert connected
        await socket.send("not json")
        error = await socket.receive_type("error")
        assert error["code"] == "bad_json"
        assert error["detail"] == "El mensaje del protocolo no es JSON válido."

    async def test_error_details_follow_accept_language_without_a_cookie(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        room = await sync_to_async(make_group_room)()
        participant = await sync_to_async(make_participant)()
        key = await sync_to_async(session_for)(participant)
        _, _, spanish = await ws_connect(f"/ws/rooms/{room.pk}/", key, accept_language="es-ES")
        _, _, english = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        await spanish.send('{"type": "dance"}')
        await english.send('{"type": "dance"}')
        assert (await spanish.receive_type("error"))["detail"] == (
            "Este servidor no conoce ese tipo de mensaje del protocolo."
        )
        assert (await english.receive_type("error"))["detail"] == (
            "This server does not know that frame type."
        )

    async def test_the_pages_language_in_the_address_wins_over_the_handshakes_header(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        # A browser may send its own Accept-Language on the handshake, not the page's.
        room = await sync_to_async(make_group_room)()
        participant = await sync_to_async(make_participant)()
        key = await sync_to_async(session_for)(participant)
        path = f"/ws/rooms/{room.pk}/"
        _, _, spanish = await ws_connect(path + "?lang=es", key, accept_language="en-US")
        _, _, regional = await ws_connect(path + "?lang=es-MX", key, language="en")
        _, _, english = await ws_connect(path + "?lang=en", key, accept_language="es")
        for socket in (spanish, regional, english):
            await socket.send('{"type": "dance"}')
        spanish_detail = "Este servidor no conoce ese tipo de mensaje del protocolo."
        assert (await spanish.receive_type("error"))["detail"] == spanish_detail
        assert (await regional.receive_type("error"))["detail"] == spanish_detail
        assert (await english.receive_type("error"))["detail"] == (
            "This server does not know that frame type."
        )

    async def test_a_language_the_site_lacks_in_the_address_changes_nothing(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        room = await sync_to_async(make_group_room)()
        participant = await sync_to_async(make_participant)()
        key = await sync_to_async(session_for)(participant)
        _, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/?lang=xx", key, accept_language="es")
        await socket.send('{"type": "dance"}')
        assert (await socket.receive_type("error"))["detail"] == (
            "Este servidor no conoce ese tipo de mensaje del protocolo."
        )


# The participant's journey in Spanish shows no English interface string ----------------

# Proper names and words that are the same in both languages may appear on a Spanish page.
ALLOWED_ENGLISH = {"JSON", "CSV", "API", "UTC", "OK"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|<[^>]+>|&\w+;")
VISIBLE_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}


VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class VisibleText(HTMLParser):
    """The text a person sees or hears in the page's language: element text, labels in
    attributes, button values. Scripts are skipped, and so is text marked up with another
    ``lang`` (the language switch names English in English, as WCAG 3.1.2 asks)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []
        self._page_language: str | None = None

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self._page_language = values.get("lang")
            return
        foreign = "lang" in values and values["lang"] != self._page_language
        skip = tag in ("script", "style") or foreign
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, skip))
        if skip or self._skipping():
            return
        for name in VISIBLE_ATTRIBUTES & values.keys():
            self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def english_fragments() -> set[str]:
    """Every piece of English source text whose Spanish differs, split at placeholders and tags."""
    fragments: set[str] = set()
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            translations = [entry.msgstr, *entry.msgstr_plural.values()]
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                if source in translations:
                    continue
                for piece in PLACEHOLDER.split(source):
                    piece = " ".join(piece.split()).strip(" .,:;()“”\"'—-")
                    if len(piece) >= 3 and re.search(r"[A-Za-z]{2}", piece):
                        fragments.add(piece)
    return fragments - ALLOWED_ENGLISH


# Common English words that are not Spanish words ("has" is: "has hecho"). On a Spanish
# page they betray text typed into a template without {% translate %}, which no
# catalogue knows of.
ENGLISH_WORDS = frozenset(
    {
        "about",
        "after",
        "again",
        "all",
        "also",
        "and",
        "answer",
        "any",
        "are",
        "back",
        "been",
        "before",
        "being",
        "can",
        "can't",
        "close",
        "could",
        "days",
        "don't",
        "each",
        "every",
        "for",
        "from",
        "had",
        "have",
        "help",
        "here",
        "how",
        "i'll",
        "i'm",
        "into",
        "is",
        "it",
        "it's",
        "its",
        "just",
        "leave",
        "let's",
        "may",
        "message",
        "messages",
        "might",
        "more",
        "most",
        "must",
        "next",
        "not",
        "only",
        "open",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "page",
        "please",
        "question",
        "questions",
        "room",
        "rooms",
        "send",
        "should",
        "sign",
        "some",
        "start",
        "stop",
        "such",
        "survey",
        "talk",
        "than",
        "thank",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "us",
        "very",
        "was",
        "we",
        "we're",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "without",
        "won't",
        "would",
        "yes",
        "you",
        "you're",
        "your",
        "yours",
    }
)


def english_words_on(page: str) -> list[str]:
    """The common English words in the page's visible text."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", visible_text(page))
    return sorted({word for word in words if word.lower() in ENGLISH_WORDS})


def english_on(page: str, fragments: set[str]) -> list[str]:
    text = visible_text(page)
    return sorted(
        fragment
        for fragment in fragments
        if re.search(r"(?<![\w])" + re.escape(fragment) + r"(?![\w])", text)
    )


SPANISH = {"accept-language": "es-ES,es;q=0.9"}


@pytest.fixture
def spanish_client(db) -> Client:
    """A browser in Spain: Spanish first, and Spain's crisis lines chosen."""
    CrisisResource.objects.all().delete()
    CrisisResource.objects.create(
        region="ES", region_name="España", service="Línea 024", phone="024", open_24_7=True,
        emergency_number="112", source="test", last_checked="2026-11-01",
    )  # fmt: skip
    client = Client(headers=SPANISH)
    client.post("/help/region/", {"region": "ES"})
    return client


def test_visible_text_reads_labels_and_skips_scripts_and_other_languages():
    page = (
        '<html lang="es"><p>Hola <b>mundo</b></p><script>var x = "Send";</script>'
        '<button aria-label="Close">X</button><input type="submit" value="Send">'
        '<button lang="en">English</button><p lang="es">fin</p></html>'
    )
    assert visible_text(page) == "Hola mundo Close X Send fin"
    assert english_on(page, {"Send", "Close", "Hola mundo", "Missing"}) == [
        "Close",
        "Hola mundo",
        "Send",
    ]


def test_the_spanish_participant_journey_shows_no_english_interface_string(
    spanish_client, make_group_room, make_staff
):
    fragments = english_fragments()
    assert len(fragments) > 300, "the catalogues were not read"
    client = spanish_client
    seen: dict[str, str] = {}

    def visit(label: str, response, status: int = 200) -> None:
        assert response.status_code == status, (label, response.status_code)
        page = response.content.decode()
        assert html_lang(page) == "es", label
        seen[label] = page

    group = make_group_room("Estrés de exámenes")
    visit("landing", client.get("/"))
    visit("crisis", client.get("/help/"))
    visit("privacy, nothing held", client.get("/privacy/"))
    # Asking for a chat may offer the research survey first.
    visit("asking for a chat", client.post("/chat/request/", follow=True))
    visit("research consent", client.get(reverse("evaluation:consent")))
    visit("research surveys page", client.get(reverse("evaluation:participation")))
    visit("queue", client.post("/chat/request/", {"survey": "skip"}, follow=True))
    visit("urgent help", client.post(reverse("urgent-help"), follow=True))
    visit("group room", client.get(f"/chat/{group.pk}/"))
    mentor = make_staff(roles.MENTOR)
    mentor_client = Client()
    mentor_client.force_login(mentor)
    ticket_room = Room.objects.filter(kind=Room.Kind.DIRECT).first()
    if ticket_room is None:
        from chatplatform.actors import staff_actor
        from chatplatform.models import QueueTicket
        from chatplatform.services import queue as queue_service

        ticket = QueueTicket.objects.get(status=QueueTicket.Status.WAITING)
        ticket_room = queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
    visit("1:1 chat", client.get(f"/chat/{ticket_room.pk}/"))
    visit("landing with a chat open", client.get("/"))
    visit("chat ended", client.get(f"/chat/{ticket_room.pk}/ended/"))
    visit("privacy, data held", client.get("/privacy/"))
    visit("data deleted", client.post("/me/data/delete/", {"confirm": "yes"}))
    visit("staff sign-in", Client(headers={"accept-language": "es"}).get("/accounts/login/"))
    visit("safety plan", client.get(reverse("my-safety-plan")))
    visit("no such page", client.get("/no-such-page/"), status=404)
    visit("someone else's chat", Client(headers=SPANISH).get(f"/chat/{ticket_room.pk}/"), 403)

    # Taking part in the research: consent, the page before a chat, the follow-up weeks
    # later, its thanks, withdrawing.
    research = Client(headers=SPANISH)
    research.post("/help/region/", {"region": "ES"})
    research.post("/chat/request/")  # a participant now, offered the consent page
    before = reverse("evaluation:survey-pre")
    visit(
        "page before a chat",
        research.post(
            reverse("evaluation:consent"), {"decision": "agree", "next": before}, follow=True
        ),
    )
    first_answer = dict(
        [
            re.search(
                r'type="radio" name="([^"]+)" value="([^"]+)"', seen["page before a chat"]
            ).groups()
        ]
    )
    visit(
        "queue after the survey",
        research.post("/chat/request/", {"survey": "done", **first_answer}, follow=True),
    )
    assert SurveyResponse.objects.exists()
    research.post("/queue/leave/")
    days = timedelta(days=settings.EVALUATION_FOLLOWUP_DAYS + 1)
    SurveyResponse.objects.update(answered_on=timezone.localdate() - days)
    visit("landing, the follow-up offered", research.get("/"))
    assert reverse("evaluation:survey-followup") in seen["landing, the follow-up offered"]
    visit("follow-up", research.get(reverse("evaluation:survey-followup")))
    visit("follow-up thanks", research.post(reverse("evaluation:survey-followup"), {}))
    visit("research surveys, taking part", research.get(reverse("evaluation:participation")))
    visit("withdrawn", research.post(reverse("evaluation:withdraw")))
    assert not SurveyResponse.objects.exists()

    english = {label: english_on(page, fragments) for label, page in seen.items()}
    assert not {label: found for label, found in english.items() if found}
    # Text typed into a template without {% translate %} is in no catalogue: common
    # English words find it.
    words = {label: english_words_on(page) for label, page in seen.items()}
    assert not {label: found for label, found in words.items() if found}


def test_the_catalogue_check_would_catch_an_english_page(client, crisis_lines):
    """The same check on the English landing page finds English: the check can fail."""
    found = english_on(client.get("/").content.decode(), english_fragments())
    assert "Talk to a peer mentor" in found


def test_the_common_words_check_finds_text_no_catalogue_has():
    page = (
        '<html lang="es"><p>Hola, ¿cómo estás?</p><p>Please wait here.</p>'
        '<button aria-label="Close this">X</button><p lang="en">Thank you</p></html>'
    )
    assert english_words_on(page) == ["Close", "Please", "here", "this"]
    assert english_words_on('<html lang="es"><p>No hay nada aquí. Abre el chat.</p></html>') == []

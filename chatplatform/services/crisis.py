"""Crisis lines shown on every participant page and in crisis panels, per region.

Which region: ``chatplatform.crisis_locale`` (the person's choice, their
browser's languages, the default). What a line says: only the claims ticked
on its row (free, 24/7, off the phone bill, confidential), worded in the
reader's language; nothing about a fact the checked list does not establish.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from chatplatform import crisis_locale
from chatplatform.crisis_locale import LocaleGuess, RegionChoice
from chatplatform.events import publish_on_commit, room_group
from chatplatform.models import CrisisResource, Participant, Room, RoomMembership
from chatplatform.services.participants import SESSION_KEY as PARTICIPANT_SESSION_KEY

STALE_AFTER = datetime.timedelta(days=365)
# Where a visitor's chosen region is kept before (and besides) Participant.crisis_region.
REGION_SESSION_KEY = "crisis_region"
# How many other regions the panel offers as one-tap buttons; the rest are in a list.
QUICK_CHANGES = 3

# Names in the reader's language for the regions the default list covers. A region an
# organisation adds shows the name typed in the admin.
REGION_NAMES = {
    "AU": gettext_lazy("Australia"),
    "CA": gettext_lazy("Canada"),
    "ES": gettext_lazy("Spain"),
    "GB": gettext_lazy("United Kingdom"),
    "IE": gettext_lazy("Ireland"),
    "MX": gettext_lazy("Mexico"),
    "US": gettext_lazy("United States"),
}
# Inside a sentence ("Calls can be taken in Spanish"), where some languages write
# language names in lower case.
LANGUAGE_NAMES = {
    "en": pgettext_lazy("language name in a sentence", "English"),
    "es": pgettext_lazy("language name in a sentence", "Spanish"),
    "fr": pgettext_lazy("language name in a sentence", "French"),
}
_NOT_DIALLED = re.compile(r"[^\d+]")


def available_regions() -> dict[str, str]:
    """Code -> admin-typed name of every region that has at least one active line."""
    seen: dict[str, str] = {}
    for code, name in CrisisResource.objects.filter(is_active=True).values_list(
        "region", "region_name"
    ):
        seen.setdefault(code, name)
    return seen


def region_name(code: str, fallback: str = "") -> str:
    return str(REGION_NAMES.get(code, fallback or code))


def regions() -> list[tuple[str, str]]:
    """(code, name) of every region with lines, by name in the reader's language."""
    return sorted(
        ((code, region_name(code, name)) for code, name in available_regions().items()),
        key=lambda item: item[1],
    )


def resolve_region(requested: str | None) -> str:
    """A region someone asked for, if we hold lines for it; else the default."""
    if requested and requested in available_regions():
        return requested
    return settings.DEFAULT_CRISIS_REGION


def resources_for(region: str) -> list[CrisisResource]:
    return list(CrisisResource.objects.filter(region=region, is_active=True))


def is_stale(resource: CrisisResource, today: datetime.date | None = None) -> bool:
    return (today or datetime.date.today()) - resource.last_checked > STALE_AFTER


# --- Which region ---------------------------------------------------------------------------


def interface_language() -> str:
    return crisis_locale.split_tag(translation.get_language() or settings.LANGUAGE_CODE)[0]


def guess_for_request(request: HttpRequest, available: dict[str, str]) -> LocaleGuess:
    return crisis_locale.guess_from_header(request.headers.get("accept-language", ""), available)


def choice_for_request(request: HttpRequest) -> RegionChoice:
    """The region for this page: the session's choice, the browser's languages, the default.

    A participant whose flagged message was in a language we ask about (Spanish) is
    asked on the pages too, as in their chat's panels.
    """
    available = available_regions()
    session = getattr(request, "session", None)
    chosen = session.get(REGION_SESSION_KEY, "") if session is not None else ""
    return crisis_locale.resolve(
        chosen=chosen if isinstance(chosen, str) else "",
        guess=guess_for_request(request, available),
        language=interface_language(),
        default=settings.DEFAULT_CRISIS_REGION,
        available=available,
        written_language=_written_language_of_session(session),
    )


def _written_language_of_session(session: Any) -> str:
    """The written_language of the session's participant; "" without one (no query then)."""
    participant_id = session.get(PARTICIPANT_SESSION_KEY) if session is not None else None
    if not isinstance(participant_id, int):
        return ""
    found = (
        Participant.objects.filter(pk=participant_id)
        .values_list("written_language", flat=True)
        .first()
    )
    return found or ""


def choice_for_participant(
    participant: Participant | None, written_language: str = ""
) -> RegionChoice:
    """The region for a participant outside a request (a panel sent over a websocket).

    Uses what their pages last saw (see ``do_note_locale``); ``written_language`` is
    the language their message was written in, when the detector says (else the one
    noted by ``do_note_written_language``).
    """
    available = available_regions()
    if participant is not None:
        written_language = written_language or participant.written_language
    if participant is None:
        return crisis_locale.resolve(
            chosen="",
            guess=LocaleGuess(),
            language=settings.LANGUAGE_CODE,
            default=settings.DEFAULT_CRISIS_REGION,
            available=available,
            written_language=written_language,
        )
    return crisis_locale.resolve(
        chosen=participant.crisis_region,
        guess=LocaleGuess(region=participant.locale_region),
        language=participant.language,
        default=settings.DEFAULT_CRISIS_REGION,
        available=available,
        written_language=written_language,
    )


def participant_language(participant: Participant | None) -> str:
    """The language to word a participant's panel in: that of their pages, else the default."""
    language = participant.language if participant is not None else ""
    codes = {code for code, _ in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def do_note_locale(participant: Participant, request: HttpRequest) -> None:
    """Keep the region of the participant's browser languages and their interface language.

    Crisis panels sent over websockets have no request; they read these. Written
    only when something changed.
    """
    region = guess_for_request(request, available_regions()).region
    language = interface_language()
    if (participant.locale_region, participant.language) != (region, language):
        participant.locale_region, participant.language = region, language
        participant.save(update_fields=["locale_region", "language"])


def do_note_written_language(participant: Participant, language: str) -> None:
    """Keep the language of their flagged message, so that every crisis panel, the staff's
    view of their lines and their safety plan pick the same lines. Written when changed;
    the staff in their chats are then told (``notify_lines_changed``)."""
    language = language[:8]
    if language and participant.written_language != language:
        participant.written_language = language
        participant.save(update_fields=["written_language"])
        notify_lines_changed(participant)


def panel_language(participant: Participant | None, written_language: str = "") -> str:
    """The language a panel sent over a websocket is worded in: that of the message that
    showed it, when it is one of the site's languages; else their pages' language."""
    codes = {code for code, _ in settings.LANGUAGES}
    if written_language in codes:
        return written_language
    return participant_language(participant)


def do_choose_region(request: HttpRequest, participant: Participant | None, region: str) -> str:
    """The person chose a region: kept in the session and on their identity. Returns it."""
    region = resolve_region(region)
    request.session[REGION_SESSION_KEY] = region
    if participant is not None and participant.crisis_region != region:
        participant.crisis_region = region
        participant.save(update_fields=["crisis_region"])
        notify_lines_changed(participant)
    return region


def notify_lines_changed(participant: Participant) -> None:
    """After commit: everyone in the participant's open 1:1 chats is told that the lines
    the participant is shown changed: staff fetch "Their crisis lines" again (in each
    one's language), so they read out the numbers the participant sees, and a safety plan
    nobody has saved yet is prefilled again with them. The frame names the room only."""
    rooms = RoomMembership.objects.filter(
        participant=participant,
        left_at__isnull=True,
        room__kind=Room.Kind.DIRECT,
        room__closed_at__isnull=True,
    ).values_list("room_id", flat=True)
    for room_id in rooms:
        publish_on_commit(
            room_group(room_id),
            {"type": "chat.frame", "frame": {"type": "participant.lines", "room": room_id}},
        )


# --- What the lines say ---------------------------------------------------------------------


def dial(number: str) -> str:
    """A number as a tel:/sms: link needs it: digits and a leading +."""
    return _NOT_DIALLED.sub("", number)


def _languages_sentence(codes: str) -> str:
    names = [
        str(LANGUAGE_NAMES[code])
        for code in (part.strip() for part in codes.split(","))
        if code in LANGUAGE_NAMES
    ]
    if not names:
        return ""
    if len(names) == 1:
        return _("Calls can be taken in %(language)s.") % {"language": names[0]}
    return _("Calls can be taken in %(languages)s or %(last)s.") % {
        "languages": ", ".join(names[:-1]),
        "last": names[-1],
    }


def facts(line: CrisisResource) -> list[str]:
    """The claims this line's row establishes, as sentences in the reader's language."""
    said = []
    if line.open_24_7:
        said.append(_("Open 24 hours, 7 days a week."))
    if line.cost == CrisisResource.Cost.FREE:
        said.append(_("Free."))
    elif line.cost == CrisisResource.Cost.FREE_FROM_MOBILES:
        said.append(_("Free from mobile phones."))
    if line.confidential:
        said.append(_("Confidential."))
    if line.not_on_phone_bill:
        said.append(_("Calls do not show on your phone bill."))
    languages = _languages_sentence(line.call_languages)
    if languages:
        said.append(languages)
    if line.note:
        said.append(line.note)
    return said


def line_view(line: CrisisResource) -> dict[str, Any]:
    """One line as pages and crisis frames show it (plain data, already translated)."""
    ways = []
    if line.phone:
        ways.append(
            {
                "kind": "call",
                "href": f"tel:{dial(line.phone)}",
                "label": _("Call %(number)s") % {"number": line.phone},
            }
        )
    if line.text_number:
        text_dial = dial(line.text_number)
        if line.text_keyword:
            label = _("Text %(keyword)s to %(number)s") % {
                "keyword": line.text_keyword,
                "number": line.text_number,
            }
            href = f"sms:{text_dial}?&body={quote(line.text_keyword)}"
        else:
            label = _("Text %(number)s") % {"number": line.text_number}
            href = f"sms:{text_dial}"
        ways.append({"kind": "text", "href": href, "label": label})
    if line.email:
        ways.append(
            {
                "kind": "email",
                "href": f"mailto:{line.email}",
                "label": _("Email %(address)s") % {"address": line.email},
            }
        )
    if line.url:
        site = re.sub(r"^https?://(www\.)?", "", line.url).rstrip("/")
        label = (
            _("Chat online at %(site)s") % {"site": site}
            if line.web_chat
            else _("Website: %(site)s") % {"site": site}
        )
        ways.append({"kind": "web", "href": line.url, "label": label})
    return {"service": line.service, "ways": ways, "facts": facts(line)}


def region_lines(code: str) -> dict[str, Any]:
    """One region's lines, with its name and emergency number."""
    resources = resources_for(code)
    return {
        "code": code,
        "name": region_name(code, resources[0].region_name if resources else ""),
        "emergency_number": resources[0].emergency_number if resources else "",
        "lines": [line_view(line) for line in resources],
    }


def emergency_sentence(
    groups: list[dict[str, Any]], *, about_someone_else: bool = False, direct: bool = False
) -> str:
    """ "If you are in danger right now, you can call 112."

    An offer, never an order, unless ``direct``: the person asked for urgent help
    themselves, and then the sentence says plainly to call now.
    """
    numbers = [group for group in groups if group["emergency_number"]]
    if len(numbers) == 1:
        values = {"number": numbers[0]["emergency_number"]}
        if direct:
            return (
                _("If you are in immediate danger, or you have hurt yourself, call %(number)s now.")
                % values
            )
        if about_someone_else:
            return _("If they are in danger right now, you can call %(number)s.") % values
        return _("If you are in danger right now, you can call %(number)s.") % values
    if numbers:
        listed = {
            "numbers": ", ".join(
                _("%(number)s in %(region)s")
                % {"number": group["emergency_number"], "region": group["name"]}
                for group in numbers
            )
        }
        if direct:
            return (
                _(
                    "If you are in immediate danger, or you have hurt yourself, call the "
                    "emergency number now: %(numbers)s."
                )
                % listed
            )
        if about_someone_else:
            return (
                _(
                    "If they are in danger right now, you can call the emergency number: "
                    "%(numbers)s."
                )
                % listed
            )
        return (
            _("If you are in danger right now, you can call the emergency number: %(numbers)s.")
            % listed
        )
    if direct:
        return _(
            "If you are in immediate danger, or you have hurt yourself, call your local "
            "emergency number now."
        )
    if about_someone_else:
        return _("If they are in danger right now, you can call your local emergency number.")
    return _("If you are in danger right now, you can call your local emergency number.")


def emergency_calls(groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A call button per shown region's emergency number (named by country when several)."""
    numbers = [group for group in groups if group["emergency_number"]]
    calls = []
    for group in numbers:
        values = {"number": group["emergency_number"], "region": group["name"]}
        label = (
            _("Call %(number)s (emergency, %(region)s)") % values
            if len(numbers) > 1
            else _("Call %(number)s (emergency)") % values
        )
        calls.append({"href": f"tel:{dial(group['emergency_number'])}", "label": label})
    return calls


def region_block(choice: RegionChoice) -> dict[str, Any]:
    """Which country the lines are for, how we know, and the one-tap ways to change it."""
    names = {code: region_name(code, name) for code, name in available_regions().items()}
    current = names.get(choice.region, region_name(choice.region))
    if choice.asking:
        statement = _("Which country are you in? We'll show the right lines for it.")
    elif choice.how == crisis_locale.CHOSEN:
        statement = _("Lines for %(country)s.") % {"country": current}
    elif choice.how == crisis_locale.LOCALE:
        statement = _(
            "Showing lines for %(country)s, going by your browser's language settings."
        ) % {"country": current}
    else:
        statement = _("Showing lines for %(country)s.") % {"country": current}
    # Asking offers every likely region; otherwise the current one is not offered again.
    quick = [code for code in choice.offered if choice.asking or code != choice.region]
    return {
        "code": choice.region,
        "name": current,
        "how": choice.how,
        "asking": choice.asking,
        "statement": statement,
        "quick": [
            {"code": code, "name": names[code]}
            for code in quick[: QUICK_CHANGES + choice.asking]
            if code in names
        ],
        "all": [
            {"code": code, "name": name} for code, name in sorted(names.items(), key=lambda i: i[1])
        ],
    }


def panel(choice: RegionChoice) -> dict[str, Any]:
    """The lines for a region choice: the region block and each shown region's lines."""
    groups = [region_lines(code) for code in choice.shown]
    return {
        "region": region_block(choice),
        "regions": groups,
        "danger": emergency_sentence(groups),
        "emergency_calls": emergency_calls(groups),
    }


def panel_for_request(request: HttpRequest) -> dict[str, Any]:
    return panel(choice_for_request(request))


def staff_view(participant: Participant) -> dict[str, Any]:
    """The lines a participant is shown and how their region was decided, for staff in the chat.

    Worded in the staff member's language (the active one).
    """
    choice = choice_for_participant(participant)
    lines = panel(choice)
    names = ", ".join(group["name"] for group in lines["regions"])
    if choice.asking:
        statement = _(
            "They have not said which country they are in. They are shown the lines for "
            "%(countries)s."
        ) % {"countries": names}
    elif choice.assumed:
        statement = _(
            "They are shown the lines for %(country)s. They did not choose it: it comes from "
            "their browser's languages or our default."
        ) % {"country": names}
    else:
        statement = _("They chose %(country)s.") % {"country": names}
    return {"statement": statement, "regions": lines["regions"]}

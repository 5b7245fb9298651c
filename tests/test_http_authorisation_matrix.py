"""Who may use which HTTP route, generated from the URL configuration.

Every route the project declares needs a row here: a new route without one, or a
row for a route that no longer exists, fails the test instead of going unchecked.
Django's admin and allauth are third-party groups, checked through their front
doors (the admin's index, allauth's sign-in page) plus the project's own views
inside them. Columns are the nine kinds of people of the websocket matrix
(tests/test_authorisation_matrix.py); the room is the same 1:1 chat between the
participant and the assigned mentor.

Each cell is what that person gets: OK (a page, a download, a form error, or a
redirect to a page that is not a refusal), a refusal status (401, 403, 404), or
one of the refusing redirects: SIGN_IN (staff pages for people not signed in),
CONSOLE (participant pages for staff), LANDING (participant pages for someone
with no participant identity yet). Rows come from each view's code and docs/.
Every request runs in a rolled-back savepoint, so one cast serves all rows.

A refusal must also leave everything as it was: for every refused cell the
database is compared before and after the request (inside the savepoint), row by
row, over every table of the project and of auth, allauth and MFA, and the
request fails the test if it wrote, changed or deleted anything.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from chatplatform import roles

pytestmark = pytest.mark.django_db

PEOPLE = (
    "anonymous",
    "participant",
    "other participant",
    "banned participant",
    "mentor not assigned",
    "mentor assigned",
    "supervisor",
    "evaluator",
    "admin",
)
OK, SIGN_IN, CONSOLE, LANDING = "ok", "sign-in", "to staff console", "to landing page"

# Short names for one person, and for groups of them, in the rows below.
ALIASES = {
    "anonymous": ("anonymous",),
    "participant": ("participant",),
    "other": ("other participant",),
    "banned": ("banned participant",),
    "mentor": ("mentor not assigned",),
    "assigned": ("mentor assigned",),
    "supervisor": ("supervisor",),
    "evaluator": ("evaluator",),
    "admin": ("admin",),
    "participants": ("participant", "other participant", "banned participant"),
    "signed_out": ("anonymous", "participant", "other participant", "banned participant"),
    "chat_staff": ("mentor not assigned", "mentor assigned", "supervisor", "admin"),
    "supervising": ("supervisor", "admin"),
}


def row(everyone: str | int, **cells: str | int) -> dict[str, str | int]:
    """Everyone gets ``everyone`` except the people (or groups, applied first) named."""
    result = dict.fromkeys(PEOPLE, everyone)
    groups = {name: value for name, value in cells.items() if len(ALIASES[name]) > 1}
    for name, value in [*groups.items(), *(i for i in cells.items() if i[0] not in groups)]:
        result.update(dict.fromkeys(ALIASES[name], value))
    return result


STAFF_PAGE = row(403, signed_out=SIGN_IN, chat_staff=OK)
SUPERVISOR_PAGE = row(403, signed_out=SIGN_IN, supervising=OK)
EVALUATOR_PAGE = row(403, signed_out=SIGN_IN, evaluator=OK, admin=OK)
# Participant pages: staff go to their console; nobody yet, to the landing page.
PARTICIPANT_PAGE = row(CONSOLE, anonymous=LANDING, participants=OK)
# Pages for anyone who is not signed in as staff (they are asked to use the console).
VISITOR_PAGE = row(CONSOLE, anonymous=OK, participants=OK)
PUBLIC = row(OK)

# route: (method, form data with {id} placeholders, URL ids to use instead, who gets what)
POST = "post"
ROUTES: dict[str, tuple[str, dict[str, str], dict[str, str], dict[str, str | int]]] = {
    # frontend
    "": ("get", {}, {}, PUBLIC),
    "help/": ("get", {}, {}, PUBLIC),
    # Saves the region choice for whoever asks, then goes back (no Referer: the landing page).
    "help/region/": (POST, {"region": "GB"}, {}, row(LANDING)),
    "privacy/": ("get", {}, {}, PUBLIC),
    # A new handle for the visitor's anonymous identity; staff have none and get none.
    "me/handle/": (POST, {}, {}, row(CONSOLE, signed_out=LANDING)),
    "chat/request/": (POST, {}, {}, row(CONSOLE, anonymous=OK, participants=OK, banned=403)),
    # The waiting page reads the visitor's own place, if any.
    "queue/": ("get", {}, {}, row(LANDING, participants=OK)),
    # Leaving removes the visitor's own ticket, if any; it always ends on the landing page.
    "queue/leave/": (POST, {}, {}, row(LANDING)),
    "chat/<int:room_id>/": (
        "get",
        {},
        {},
        row(403, participant=OK, assigned=OK, supervising=OK),
    ),
    # Names no one and shows nothing of the chat: the room number is in its own URL.
    "chat/<int:room_id>/ended/": ("get", {}, {}, PUBLIC),
    # Leaving is for group rooms: a 1:1 chat ends with chat.end, so its participant gets 403.
    "chat/<int:room_id>/leave/": (POST, {}, {}, row(LANDING, participants=403)),
    "staff/": ("get", {}, {}, row(403, signed_out=SIGN_IN, chat_staff=OK)),
    # The visitor's own data (none: back to the privacy page, or a form error).
    "me/data/download/": ("get", {}, {}, PUBLIC),
    "me/data/delete/": (POST, {}, {}, PUBLIC),
    # chatplatform
    "api/rooms/": ("get", {}, {}, PUBLIC),
    "jsi18n/": ("get", {}, {}, PUBLIC),
    "i18n/setlang/": (POST, {"language": "es"}, {}, row(LANDING)),
    "admin/login/": ("get", {}, {}, row(SIGN_IN)),
    # allauth's two-factor set-up, wrapped to keep ``next``: for signed-in staff.
    "accounts/2fa/totp/activate/": ("get", {}, {}, row(OK, signed_out=SIGN_IN)),
    # Nobody in the cast has generated recovery codes yet: allauth answers 404 until then.
    "accounts/2fa/recovery-codes/": ("get", {}, {}, row(404, signed_out=SIGN_IN)),
    "accounts/2fa/recovery-codes/generate/": ("get", {}, {}, row(OK, signed_out=SIGN_IN)),
    # escalation
    "supervisor/": ("get", {}, {}, SUPERVISOR_PAGE),
    "supervisor/oncall/": ("get", {}, {}, SUPERVISOR_PAGE),
    "help/urgent/": ("get", {}, {}, VISITOR_PAGE),
    "me/safety-plan/": ("get", {}, {}, VISITOR_PAGE),
    "me/safety-plan/retrieve/": ("get", {}, {}, VISITOR_PAGE),
    # Only the participant has a plan; nobody else's session reaches it.
    "me/safety-plan/download/": ("get", {}, {}, row(404, participant=OK)),
    "me/safety-plan/print/": ("get", {}, {}, row(404, participant=OK)),
    # Without an identity (or as staff) back to the plan page; a participant with no plan: 404.
    "me/safety-plan/code/": (POST, {}, {}, row(OK, other=404, banned=404)),
    "me/safety-plan/delete/": (POST, {}, {}, PUBLIC),
    # risk marks: JSON for the chat's mentor and supervisors, a JSON 403 for everyone else.
    "staff/risk-marks/": (
        POST,
        {"room": "{room_id}", "message": "{message_number}", "kind": "missed"},
        {},
        row(403, assigned=OK, supervising=OK),
    ),
    "supervisor/risk-marks/": ("get", {}, {}, SUPERVISOR_PAGE),
    "supervisor/risk-marks/<int:mark_id>/read/": (POST, {}, {}, SUPERVISOR_PAGE),
    "supervisor/risk-marks/export/": (POST, {}, {}, SUPERVISOR_PAGE),
    # moderation: the queue lists what the person may moderate; the audit log is supervisors'.
    "staff/moderation/": ("get", {}, {}, STAFF_PAGE),
    "staff/moderation/audit/": ("get", {}, {}, SUPERVISOR_PAGE),
    "staff/moderation/items/<int:item_id>/resolve/": (
        POST,
        {"resolution": "dismiss"},
        {},
        row(403, signed_out=SIGN_IN, assigned=OK, supervising=OK),
    ),
    # mentoring: training and one's own programme for everyone who chats; supervision for
    # supervisors and admins; self-rating only for the chat's own mentor once it has ended.
    "staff/training/": ("get", {}, {}, STAFF_PAGE),
    "staff/training/<slug:module_id>/": ("get", {}, {}, STAFF_PAGE),
    "staff/me/": ("get", {}, {}, STAFF_PAGE),
    "staff/me/check-in/": (POST, {}, {}, STAFF_PAGE),
    "staff/me/shifts/": (POST, {}, {}, STAFF_PAGE),
    "staff/me/shifts/<int:shift_id>/remove/": (
        POST,
        {},
        {},
        row(404, signed_out=SIGN_IN, assigned=OK, evaluator=403),
    ),
    "staff/practice/": (POST, {"scenario": "first-time"}, {}, STAFF_PAGE),
    "staff/fidelity/<int:room_id>/": (
        "get",
        {},
        {"room_id": "ended_room_id"},
        row(404, signed_out=SIGN_IN, assigned=OK),
    ),
    "staff/programme/": ("get", {}, {}, SUPERVISOR_PAGE),
    "staff/programme/mentors/<int:mentor_id>/": ("get", {}, {}, SUPERVISOR_PAGE),
    "staff/programme/mentors/<int:mentor_id>/assign/": (POST, {}, {}, SUPERVISOR_PAGE),
    "staff/programme/practice/<int:session_id>/reviewed/": (POST, {}, {}, SUPERVISOR_PAGE),
    "staff/programme/fidelity/<int:rating_id>/": ("get", {}, {}, SUPERVISOR_PAGE),
    "staff/programme/debriefs/<int:debrief_id>/held/": (POST, {}, {}, SUPERVISOR_PAGE),
    "staff/programme/supervision/": (POST, {}, {}, SUPERVISOR_PAGE),
    # evaluation: metrics for evaluators and admins; surveys for participants.
    "evaluation/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/charts/<slug:name>.svg": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/export/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/rows/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/codebook/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/tokens/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/tokens/<int:token_id>/revoke/": (POST, {}, {}, EVALUATOR_PAGE),
    "evaluation/studies/": ("get", {}, {}, EVALUATOR_PAGE),
    "evaluation/studies/<int:study_id>/register/": (POST, {}, {}, EVALUATOR_PAGE),
    "evaluation/studies/<int:study_id>/close/": (POST, {}, {}, EVALUATOR_PAGE),
    # The API takes a personal token, not a session: only the evaluator holds one here.
    "evaluation/api/v1/report": ("get", {}, {}, row(401, evaluator=OK)),
    "evaluation/api/v1/codebook": ("get", {}, {}, row(401, evaluator=OK)),
    "evaluation/api/openapi.json": ("get", {}, {}, PUBLIC),
    "evaluation/survey/": ("get", {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/consent/": ("get", {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/before/": ("get", {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/after/<int:room_id>/": ("get", {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/follow-up/": ("get", {}, {}, PARTICIPANT_PAGE),
    # Dismissing the follow-up succeeds by going back to the landing page.
    "evaluation/survey/follow-up/dismiss/": (POST, {}, {}, row(CONSOLE, signed_out=LANDING)),
    "evaluation/survey/withdraw/": (POST, {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/code/": (POST, {}, {}, PARTICIPANT_PAGE),
    "evaluation/survey/code/connect/": (POST, {}, {}, PARTICIPANT_PAGE),
    # Only the chat's own mentor records the kind of help suggested.
    "evaluation/referrals/<int:room_id>/": (
        POST,
        {"kind": "gp"},
        {},
        row(403, signed_out=SIGN_IN, assigned=OK),
    ),
}

# Third-party groups: their front doors, and the project's own views mounted inside them.
THIRD_PARTY: dict[str, tuple[str, dict[str, str], dict[str, str], dict[str, str | int]]] = {
    # Admins only (the admin role has is_staff); everyone else is sent to sign in or refused.
    "admin/": ("get", {}, {}, row(SIGN_IN, admin=OK)),
    "admin/chatplatform/room/<int:room_id>/transcript/": ("get", {}, {}, row(SIGN_IN, admin=OK)),
    # Public; someone already signed in goes on to their role's page (evaluators: the dashboard).
    "accounts/login/": ("get", {}, {}, row(CONSOLE, signed_out=OK, evaluator=OK)),
}


def walk(patterns: list, prefix: str = "") -> dict[str, Any]:
    routes = {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            routes.update(walk(entry.url_patterns, prefix + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            routes[prefix + str(entry.pattern)] = entry.callback
    return routes


def groups() -> dict[str, set[str]]:
    """Every route, by who declared it: the project, Django's admin or allauth."""
    found: dict[str, set[str]] = {"project": set(), "admin": set(), "allauth": set()}
    for entry in get_resolver().url_patterns:
        group = "project"
        if isinstance(entry, URLResolver) and entry.app_name == "admin":
            group = "admin"
        elif isinstance(entry, URLResolver) and getattr(entry.urlconf_name, "__name__", "") == (
            "allauth.urls"
        ):
            group = "allauth"
        routes = walk([entry])
        found[group] |= set(routes)
    return found


def test_every_route_has_a_row_and_every_row_a_route():
    found = groups()
    assert found["project"] == set(ROUTES)
    assert found["admin"] and found["allauth"]
    assert set(THIRD_PARTY) <= found["admin"] | found["allauth"] | found["project"]
    assert all(set(cells) == set(PEOPLE) for *_, cells in {**ROUTES, **THIRD_PARTY}.values())


PLAN_TEXT = "Walk to the lighthouse and count the boats"


@pytest.fixture
def cast(make_participant, make_staff, make_direct_chat, session_for):
    """The nine kinds of people with their session keys, the 1:1 chat, one of each object."""
    from datetime import timedelta

    from django.utils import timezone

    from chatplatform.actors import participant_actor, staff_actor
    from chatplatform.mentoring import practice, records, registry
    from chatplatform.mentoring.models import Debrief, FidelityRating, PracticeSession
    from chatplatform.models import Message
    from chatplatform.services import messages as message_service
    from chatplatform.services import queue as queue_service
    from chatplatform.services.access import check_room_access
    from escalation import safety_plan
    from escalation.risk_marks import services as risk_marks
    from evaluation import charts, studies
    from evaluation import services as evaluation_services
    from moderation.models import ReviewItem, Sanction
    from moderation.services.review import open_item

    room, participant, mentor = make_direct_chat()
    banned = make_participant()
    Sanction.objects.create(kind=Sanction.Kind.BAN, participant=banned)
    people = {
        "participant": participant,
        "other participant": make_participant(),
        "banned participant": banned,
        "mentor not assigned": make_staff(roles.MENTOR),
        "mentor assigned": mentor,
        "supervisor": make_staff(roles.SUPERVISOR),
        "evaluator": make_staff(roles.EVALUATOR),
        "admin": make_staff(roles.ADMIN),
    }
    keys: dict[str, str | None] = {name: session_for(who) for name, who in people.items()}
    keys["anonymous"] = None
    sent = message_service.do_send_message(
        check_room_access(participant_actor(participant), room.pk), str(uuid.uuid4()), "hi"
    )
    first = Message.objects.get(pk=sent.id)
    safety_plan.do_save(participant, room.pk, {"coping": PLAN_TEXT}, 0)
    mark, _ = risk_marks.do_mark(staff_actor(mentor), first, "missed")
    token = evaluation_services.do_create_token(people["evaluator"], "pipeline")
    # The assigned mentor's earlier chat, ended: the one they may rate.
    ended, earlier, _ = make_direct_chat(mentor=mentor)
    queue_service.do_end_chat(check_room_access(participant_actor(earlier), ended.pk))
    practice_room = practice.do_start_practice(
        staff_actor(people["mentor not assigned"]), "first-time", "en"
    )
    session = PracticeSession.objects.get(room=practice_room)
    session.ended_at = timezone.now()
    session.save()
    now = timezone.now()
    ids = {
        "room_id": room.pk,
        "ended_room_id": ended.pk,
        "message_number": first.seq,
        "mentor_id": mentor.pk,
        "item_id": open_item(first, ReviewItem.Kind.FLAG)[0].pk,
        "mark_id": mark.pk,
        "token_id": evaluation_services.active_tokens(people["evaluator"])[0].pk,
        "study_id": studies.do_create_study(people["evaluator"], studies.EXAMPLE).pk,
        "shift_id": records.do_add_weekly_shift(mentor, 0, "09:00", "12:00").pk,
        "session_id": session.pk,
        "rating_id": FidelityRating.objects.create(
            room=ended,
            mentor=mentor,
            rater=mentor,
            rater_role="self",
            checklist_version=1,
            answers={},
            sampled=True,
        ).pk,
        "debrief_id": Debrief.objects.create(
            mentor=mentor,
            room=room,
            level="imminent",
            created_at=now,
            due_at=now + timedelta(days=3),
        ).pk,
    }
    slugs = {
        "<slug:module_id>": registry.required_modules()[0].id,
        "<slug:name>": next(iter(charts.CHARTS)),
    }
    # What belongs to one person alone, and must reach no one else by a refused method.
    private = {name: [who.handle] for name, who in people.items() if hasattr(who, "handle")}
    private["participant"].append(PLAN_TEXT)
    private["evaluator"] = [token]
    count_writes()
    return keys, ids, slugs, {"evaluator": token}, private


def outcome(response) -> str | int:
    if response.status_code in (301, 302, 303):
        target = urlparse(response["Location"]).path
        refusals = {settings.LOGIN_URL: SIGN_IN, "/admin/login/": SIGN_IN, "/staff/": CONSOLE}
        return {**refusals, "/": LANDING}.get(target, OK)
    if response.status_code in (401, 403, 404, 405, 429) or response.status_code >= 500:
        return response.status_code
    return OK


# Tables a refused request must not touch: the project's, and the people's accounts.
# Sessions are left out: a refusal may refresh the visitor's own session, which is
# not a change to anything the refused route guards.
CHECKED_APPS = (
    "auth",
    "account",
    "mfa",
    "chatplatform",
    "moderation",
    "escalation",
    "risk_marks",
    "evaluation",
    "mentoring",
)


def database_state() -> dict[str, list[str]]:
    """Every row of every checked table, field by field, in primary-key order."""
    state = {}
    for label in CHECKED_APPS:
        for model in apps.get_app_config(label).get_models():
            skipped = VISITOR_NOTES.get(model._meta.label, ())
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skipped]
            rows = model._base_manager.order_by("pk").values_list(*fields)
            state[model._meta.label] = [repr(row) for row in rows]  # JSON fields are dicts
    return state


# What every page notes about the visitor's own browser (``crisis.do_note_locale``): the
# region and language crisis panels use. Writing them is no change to a guarded object.
VISITOR_NOTES = {"chatplatform.Participant": ("locale_region", "language", "last_seen_on")}


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ, with how many rows were added, removed or changed."""
    found = []
    for table, rows in before.items():
        old, new = set(rows), set(after[table])
        if old != new:
            found.append(f"{table}: +{len(new - old)} -{len(old - new)}")
    return found


def refused(cell: str | int) -> bool:
    return cell not in (OK, LANDING)


def send(
    route: str,
    spec: tuple,
    person: str,
    cast: tuple,
    method: str | None = None,
    checked: bool = False,
    csrf: bool = False,
    body: tuple[str, bytes] | None = None,
):
    """``person``'s request to ``route``, in a savepoint rolled back afterwards.

    ``method`` replaces the row's own; the row's form data goes with every method.
    Returns the response and the tables it changed: compared when ``checked``, or
    when the outcome is a refusal. ``csrf`` makes the client send no CSRF token and
    lets Django check it, as a browser's forged request would meet it. ``body`` (a
    content type and bytes) is sent instead of the row's form."""
    keys, ids, slugs, tokens, _ = cast
    own, data, id_names, _ = spec
    path = "/" + route
    for name in ids:
        path = path.replace(f"<int:{name}>", str(ids[id_names.get(name, name)]))
    for slug, value in slugs.items():
        path = path.replace(slug, value)
    # A server error is an outcome to report with the rest, not an exception.
    client = Client(enforce_csrf_checks=csrf, raise_request_exception=False)
    if keys[person] is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = keys[person]
    headers = {"authorization": f"Bearer {tokens[person]}"} if person in tokens else {}
    form = {k: v.format(**ids) for k, v in data.items()}
    method = method or own

    def run() -> Any:
        cache.clear()  # No rate limit carries over from one request to the next.
        if body is not None:
            return getattr(client, method)(path, body[1], body[0], headers=headers)
        if method in ("get", "head", "post"):
            return getattr(client, method)(path, form, headers=headers)
        # The test client sends these bodies as they are: form-encode them.
        encoded = urlencode(form)
        return getattr(client, method)(
            path, encoded, "application/x-www-form-urlencoded", headers=headers
        )

    with transaction.atomic():
        writes = write_count()
        response = run()
        wrote = writes is None or write_count() != writes
        transaction.set_rollback(True)
    if not wrote or not (checked or refused(outcome(response))):
        return response, []
    # Something was written: run it again between two snapshots, to say what.
    with transaction.atomic():
        before = database_state()
        response = run()
        written = changes(before, database_state())
        transaction.set_rollback(True)
    return response, written


def write_count() -> int | None:
    """Rows written to the checked tables so far (None without SQLite: compare always).

    Comparing every table before and after each of thousands of requests is the
    slow part; when the count has not moved, nothing can have changed. The count
    leaves out the sessions, which staff requests refresh every time."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM temp.checked_writes")
        return cursor.fetchone()[0]


def count_writes() -> None:
    """Temporary triggers that count every write to a checked table, on SQLite.

    They live in the test's transaction and go with its rollback."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE checked_writes (n INTEGER NOT NULL)")
        cursor.execute("INSERT INTO temp.checked_writes VALUES (0)")
        for label in CHECKED_APPS:
            for model in apps.get_app_config(label).get_models():
                table = model._meta.db_table
                skipped = VISITOR_NOTES.get(model._meta.label, ())
                columns = [
                    f.column for f in model._meta.concrete_fields if f.attname not in skipped
                ]
                updated = "UPDATE OF " + ", ".join(f'"{c}"' for c in columns)
                for event in ("INSERT", "DELETE", updated):
                    # Names from the models' metadata, not from any input.
                    cursor.execute(
                        f'CREATE TEMP TRIGGER "counted_{table}_{event.split()[0]}" '  # noqa: S608
                        f"AFTER {event} "
                        f'ON main."{table}" BEGIN UPDATE checked_writes SET n = n + 1; END'
                    )


def attempt(route: str, spec: tuple, person: str, cast: tuple) -> str | int:
    """What ``person`` gets from ``route`` with the row's own method.

    A refused request that changed the database is reported as ``"wrote: <tables>"``
    instead of its status, so the matrix shows it as a wrong cell."""
    response, written = send(route, spec, person, cast)
    return f"wrote: {', '.join(written)}" if written else outcome(response)


def test_who_may_use_each_route(cast):
    table = {**ROUTES, **THIRD_PARTY}
    seen = {
        (route, p): attempt(route, spec, p, cast) for route, spec in table.items() for p in PEOPLE
    }
    expected = {
        (route, p): cell for route, (*_, cells) in table.items() for p, cell in cells.items()
    }
    wrong = {k: (v, expected[k]) for k, v in seen.items() if v != expected[k]}
    assert not wrong, "\n".join(f"{k}: got {v[0]}, expected {v[1]}" for k, v in wrong.items())


METHODS = ("get", "head", "post", "put", "patch", "delete", "options")

# Methods a route takes besides its row's own, by design: a form page is shown by GET
# and sent by POST. Everything else must be refused.
ACCEPTS = {
    "help/urgent/": {POST},
    "me/safety-plan/": {POST},
    "me/safety-plan/retrieve/": {POST},
    "staff/training/<slug:module_id>/": {POST},
    "staff/fidelity/<int:room_id>/": {POST},
    "staff/programme/fidelity/<int:rating_id>/": {POST},
    "evaluation/tokens/": {POST},
    "evaluation/studies/": {POST},
    "evaluation/survey/consent/": {POST},
    "evaluation/survey/after/<int:room_id>/": {POST},
    "evaluation/survey/follow-up/": {POST},
    "accounts/2fa/recovery-codes/generate/": {POST},
    "admin/chatplatform/room/<int:room_id>/transcript/": {POST},
    # allauth's sign-in form takes PUT as POST and answers OPTIONS; CSRF guards both.
    "accounts/login/": {POST, "put", "patch", "delete", "options"},
    # allauth sends someone who already has an authenticator on, whatever the method.
    "accounts/2fa/totp/activate/": {POST, "put", "patch", "delete", "options"},
    # Django's admin index shows the same page whatever the method; it changes nothing.
    "admin/": {POST, "put", "patch", "delete", "options"},
    # A class-based view answers OPTIONS itself: an empty 200 with the Allow header.
    "jsi18n/": {"options"},
}


def test_every_other_method_is_refused_and_changes_nothing(cast):
    """Every route, every method but the row's own, every kind of person.

    The rule: a method the view does not take is answered 405, or with the refusal
    the row gives that person (401, 403, 404, or a refusing redirect), since who
    may ask can be checked before what they ask. HEAD on a page gets exactly the
    row's own cell (it is GET without a body, RFC 9110). A method the route takes by
    design (``ACCEPTS``) gets the row's refusal for whoever the row refuses, and
    anything but a server error for whoever it lets through. Never a 5xx. The
    database is exactly as it was, except after a method the route takes, sent by
    someone the row lets through. No response carries what belongs to someone else
    (a participant's handle or safety plan, an evaluator's token).
    """
    *_, private = cast
    wrong = []
    for route, spec in {**ROUTES, **THIRD_PARTY}.items():
        own, *_, cells = spec
        for method in METHODS:
            if method == own:
                continue
            for person in PEOPLE:
                cell = cells[person]
                allowed: set[str | int] = {405} | ({cell} if refused(cell) else set())
                if method == "head" and own == "get":
                    # HEAD is GET without a body (RFC 9110): exactly what GET gets.
                    allowed = {cell}
                taken = method in ACCEPTS.get(route, ()) and not refused(cell)
                # ... and may write what GET writes (an audit row, the day's release).
                taken = taken or (method == "head" and own == "get" and not refused(cell))
                response, written = send(route, spec, person, cast, method, checked=not taken)
                got = outcome(response)
                body = response.content.decode(errors="replace")
                leaked = [
                    owner
                    for owner, values in private.items()
                    if owner != person and any(value in body for value in values)
                ]
                if (got not in allowed and not (taken and response.status_code < 500)) or (
                    written or leaked
                ):
                    wrong.append(
                        f"{method.upper()} /{route} as {person}: got {got}, expected one of "
                        f"{sorted(map(str, allowed))}; wrote {written}; showed {leaked}'s data"
                    )
    assert not wrong, "\n".join(wrong)


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(cast):
    """Each POST route, as a person the row lets through, with no CSRF token: 403."""
    wrong = []
    for route, spec in {**ROUTES, **THIRD_PARTY}.items():
        if spec[0] != POST:
            continue
        person = next(p for p, cell in spec[3].items() if cell in (OK, LANDING))
        response, written = send(route, spec, person, cast, checked=True, csrf=True)
        if response.status_code != 403 or written:
            wrong.append(f"/{route} as {person}: got {response.status_code}; wrote {written}")
    assert not wrong, "\n".join(wrong)


def test_a_post_whose_body_is_not_form_data_gets_an_answer_not_a_server_error(cast):
    """Each POST route, as a person the row lets through, with JSON or bytes for a body."""
    bodies = [("application/json", b'{"region": ["GB"], "kind": {}}'), ("text/plain", b"\xff\x00")]
    wrong = []
    for route, spec in {**ROUTES, **THIRD_PARTY}.items():
        if spec[0] != POST:
            continue
        person = next(p for p, cell in spec[3].items() if cell in (OK, LANDING))
        for content_type, data in bodies:
            response, _ = send(route, spec, person, cast, body=(content_type, data))
            if response.status_code >= 500:
                wrong.append(f"/{route} as {person} with {content_type}: {response.status_code}")
    assert not wrong, "\n".join(wrong)

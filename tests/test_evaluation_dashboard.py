"""The evaluator dashboard and exports: evaluators and admins only, nothing under k, no leaks."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client

from chatplatform import roles
from chatplatform.models import Message, Participant, Room
from chatplatform.services.messages import do_send_message
from evaluation import report
from evaluation.models import Release, SurveyIdentity
from evaluation.surveys import do_withdraw
from evaluation.synthetic import seed

SECRET_TEXT = "my very private words about the harbour"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def cohort(db):
    seed(400, seed=7, days=120)


@pytest.mark.parametrize("role", [roles.EVALUATOR, roles.ADMIN])
def test_evaluators_and_admins_see_the_dashboard(role, make_staff, cohort):
    page = signed_in(make_staff(role)).get("/evaluation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "survey_change" in html and "/evaluation/charts/change.svg" in html
    assert Release.objects.filter(channel="dashboard").count() == 1


@pytest.mark.parametrize("role", [roles.MENTOR, roles.SUPERVISOR])
@pytest.mark.parametrize(
    "path",
    [
        "/evaluation/",
        "/evaluation/export/?format=csv",
        "/evaluation/charts/reach.svg",
        "/evaluation/codebook/",
        "/evaluation/tokens/",
    ],
)
def test_other_staff_roles_are_refused(role, path, make_staff, db):
    response = signed_in(make_staff(role)).get(path)
    assert response.status_code == 403
    assert not Release.objects.exists()


@pytest.mark.parametrize("path", ["/evaluation/", "/evaluation/export/?format=json"])
def test_participants_are_refused(path, make_participant, session_for):
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session_for(make_participant())
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Release.objects.exists()


@pytest.mark.parametrize("name", ["change", "distributions", "reach", "waits"])
def test_charts_are_server_rendered_svg(name, make_staff, cohort):
    response = signed_in(make_staff(roles.EVALUATOR)).get(f"/evaluation/charts/{name}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.lstrip().startswith("<?xml") and "<svg" in body and "<script" not in body


def every_shown_count(payload) -> list[tuple[str, str, int]]:
    from evaluation.codebook import TABLES

    counts = []
    for spec in TABLES:
        for row in payload["tables"][spec.name]["rows"]:
            for column in spec.count_columns:
                if row[column.name] is not None:
                    counts.append((spec.name, column.name, row[column.name]))
    return counts


def test_no_published_count_is_below_k(make_staff, cohort, settings):
    settings.EVALUATION_MIN_CELL = 11
    payload = json.loads(signed_in(make_staff(roles.EVALUATOR)).get("/evaluation/export/").content)
    counts = every_shown_count(payload)
    assert counts and all(value >= 11 for _, _, value in counts)
    assert any(row["suppressed"] for row in payload["tables"]["score_distribution"]["rows"])


def test_the_dashboard_shows_no_cell_below_k(make_staff, cohort):
    client = signed_in(make_staff(roles.EVALUATOR))
    html = client.get("/evaluation/").content.decode()
    payload = report.release("dashboard", record=False)
    for table, column, value in every_shown_count(payload):
        assert value >= 11, (table, column)
    assert 'class="suppressed"' in html


def test_a_suppressed_count_takes_its_statistics_with_it(make_staff, db, settings):
    seed(60, seed=3, days=60)
    settings.EVALUATION_MIN_CELL = 50
    payload = report.release("export")
    for row in payload["tables"]["survey_change"]["rows"]:
        if "n_paired" in row["suppressed"]:
            assert row["mean_change"] is None and row["ci_low"] is None and row["p_t"] is None
            assert row["share_reliably_improved"] is None


def test_the_csv_export_is_long_format_with_a_status_per_cell(make_staff, cohort):
    response = signed_in(make_staff(roles.EVALUATOR)).get("/evaluation/export/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert set(rows[0]) == {"table", "row", "column", "value", "status"}
    assert {r["status"] for r in rows} <= {"dimension", "shown", "suppressed", "not_available"}
    assert all(r["value"] == "" for r in rows if r["status"] == "suppressed")


def test_the_codebook_describes_every_exported_column(make_staff, cohort):
    client = signed_in(make_staff(roles.EVALUATOR))
    payload = json.loads(client.get("/evaluation/export/").content)
    described = {
        (table, column["name"])
        for table, spec in payload["codebook"]["tables"].items()
        for column in spec["columns"]
    }
    for name, table in payload["tables"].items():
        for column in table["columns"]:
            assert (name, column) in described
    codebook_csv = client.get("/evaluation/codebook/?format=csv").content.decode()
    assert "survey_change,g_z,measure" in codebook_csv


def test_exports_contain_no_handle_room_id_message_text_or_time_of_day(
    make_staff, make_direct_chat, access_for, cohort
):
    room, participant, _mentor = make_direct_chat()
    do_send_message(access_for(participant, room), str(uuid.uuid4()), SECRET_TEXT)
    handles = set(Participant.objects.values_list("handle", flat=True))
    client = signed_in(make_staff(roles.EVALUATOR))
    exports = [
        client.get("/evaluation/export/?format=csv").content.decode(),
        client.get("/evaluation/export/?format=json").content.decode(),
        client.get("/evaluation/").content.decode(),
    ]
    assert Message.objects.filter(body_length=len(SECRET_TEXT)).exists()
    for text in exports:
        assert SECRET_TEXT not in text and "harbour" not in text
        assert not any(handle in text for handle in handles)
        assert not re.search(r"\d\d:\d\d", text.replace("</", "")), "time of day leaked"
        assert "sessionid" not in text and "participant_id" not in text
        assert f"/chat/{room.pk}/" not in text and f"/ws/rooms/{room.pk}/" not in text
    data = json.loads(exports[1])
    for table in data["tables"].values():
        assert not {"room", "room_id", "handle", "participant", "session"} & set(table["columns"])
    assert Room.objects.filter(pk=room.pk).exists()


def test_dp_mode_adds_noise_records_the_budget_and_serves_the_same_release_all_day(
    make_staff, cohort, settings
):
    settings.EVALUATION_DP = True
    settings.EVALUATION_DP_EPSILON = 2.0
    first = report.release("api")
    second = report.release("export")
    assert first == second
    assert first["release"]["dp_epsilon"] == 2.0
    assert 0 < first["release"]["dp_epsilon_spent"] <= 2.0 + 1e-9
    spent = list(Release.objects.order_by("pk").values_list("dp_epsilon_spent", flat=True))
    assert spent[0] == pytest.approx(first["release"]["dp_epsilon_spent"]) and spent[1] == 0
    assert all(value >= 11 for _, _, value in every_shown_count(first))


def test_the_days_noisy_release_is_spent_once_whatever_withdrawals_happen(
    cohort, settings, django_capture_on_commit_callbacks
):
    settings.EVALUATION_DP = True
    settings.EVALUATION_DP_EPSILON = 2.0
    first = report.release("api")
    identity = SurveyIdentity.objects.filter(responses__isnull=False).first()
    with django_capture_on_commit_callbacks(execute=True):
        do_withdraw(Participant.objects.get(pk=identity.participant_id))
    # A change of settings during the day does not buy a new draw either.
    settings.EVALUATION_DP_EPSILON = 3.0
    again = report.release("export")
    assert again == first
    spent = list(Release.objects.order_by("pk").values_list("dp_epsilon_spent", flat=True))
    assert spent[0] == pytest.approx(first["release"]["dp_epsilon_spent"]) and spent[1:] == [0]
    assert report.epsilon_spent_total() == pytest.approx(first["release"]["dp_epsilon_spent"])


@pytest.mark.parametrize("dp", [False, True])
def test_mentor_caseload_is_published_only_for_at_least_k_mentors(dp, db, settings):
    settings.EVALUATION_DP = dp
    # The small cohort has a handful of mentors: nothing about their caseload is shown.
    seed(300, seed=3, days=60)
    rows = report.release("export")["tables"]["mentor_caseload"]["rows"]
    assert rows and all(
        r["mentors"] is None
        and r["chats_per_mentor_mean"] is None
        and r["chats_per_mentor_p90"] is None
        for r in rows
    )
    settings.EVALUATION_MIN_CELL = 3
    Release.objects.all().delete()
    rows = report.build(report.timezone.localdate(), k=3, epsilon=None)["tables"][
        "mentor_caseload"
    ]["rows"]
    shown = [r for r in rows if r["mentors"] is not None]
    assert shown and all(r["mentors"] >= 3 and r["chats_per_mentor_p50"] for r in shown)


def test_withdrawal_removes_answers_from_the_next_release(
    make_staff, cohort, django_capture_on_commit_callbacks, settings
):
    # A small k, so the totals compared here are not suppressed in a cohort this size.
    settings.EVALUATION_MIN_CELL = 2
    before = report.release("export")
    identity = SurveyIdentity.objects.filter(responses__isnull=False).first()
    participant = Participant.objects.get(pk=identity.participant_id)
    with django_capture_on_commit_callbacks(execute=True):
        do_withdraw(participant)
    after = report.release("export")
    total = next(
        r
        for r in after["tables"]["survey_reach"]["rows"]
        if r["breakdown"] == "language" and r["group"] == "all"
    )
    previous = next(
        r
        for r in before["tables"]["survey_reach"]["rows"]
        if r["breakdown"] == "language" and r["group"] == "all"
    )
    assert total["participants"] == previous["participants"] - 1


def test_tables_use_the_codebooks_labels_not_column_names(make_staff, cohort):
    html = signed_in(make_staff(roles.EVALUATOR)).get("/evaluation/").content.decode()
    assert "People at baseline" in html and "Change between waves" in html
    headers = re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", html)
    assert headers and not [h for h in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)]
    assert ">survey_change<" not in html and ">higher_is_better<" not in html
    assert "Methods note" in html and "Regression to the mean" in html
    # Each row is named by its dimension cells, for screen readers.
    assert re.search(r'<th scope="row">[^<]+</th>', html)


@pytest.mark.parametrize("name", ["change", "distributions", "reach", "waits"])
def test_a_chart_without_enough_data_says_so_instead_of_empty_axes(name, make_staff, db):
    response = signed_in(make_staff(roles.EVALUATOR)).get(f"/evaluation/charts/{name}.svg")
    body = response.content.decode()
    assert response.status_code == 200 and "Not enough data yet" in body
    assert 'id="xtick_1"' not in body and 'id="ytick_1"' not in body


def test_the_dashboard_and_charts_speak_spanish(make_staff, cohort):
    client = signed_in(make_staff(roles.EVALUATOR))
    html = client.get("/evaluation/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Personas al inicio" in html and "Nota de métodos" in html
    svg = client.get("/evaluation/charts/reach.svg", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "personas por semana" in svg

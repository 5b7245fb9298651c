"""The evaluation API: personal tokens, hashed at rest, revocable, documented with OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.models import AuditEntry
from evaluation import openapi, services
from evaluation.models import EvaluatorToken, Release

DOCS = Path(__file__).resolve().parent.parent / "docs" / "evaluation-openapi.json"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_evaluator_creates_a_token_shown_once_and_stored_hashed(make_staff):
    evaluator = make_staff(roles.EVALUATOR)
    page = signed_in(evaluator).post("/evaluation/tokens/", {"name": "Funder report"})
    token = page.context["new_token"]
    assert token.startswith("evt_") and token in page.content.decode()
    stored = EvaluatorToken.objects.get(user=evaluator)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert token not in signed_in(evaluator).get("/evaluation/tokens/").content.decode()
    assert AuditEntry.objects.filter(action="evaluation_token_created").exists()


def test_a_token_pulls_the_report_and_the_codebook(make_staff):
    token = services.do_create_token(make_staff(roles.EVALUATOR), "pipeline")
    client = Client()
    report = client.get("/evaluation/api/v1/report", **bearer(token))
    assert report.status_code == 200
    assert set(report.json()) == {"release", "tables", "codebook"}
    assert client.get("/evaluation/api/v1/report?format=csv", **bearer(token))[
        "Content-Type"
    ].startswith("text/csv")
    assert "tables" in client.get("/evaluation/api/v1/codebook", **bearer(token)).json()
    assert Release.objects.filter(channel="api").count() == 2


@pytest.mark.parametrize(
    "header", [None, "Bearer nope", "Basic abc", "Bearer evt_not-a-real-token"]
)
def test_requests_without_a_valid_token_are_refused(header, db):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/evaluation/api/v1/report", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not Release.objects.exists()


def test_a_revoked_token_stops_working(make_staff):
    evaluator = make_staff(roles.EVALUATOR)
    token = services.do_create_token(evaluator, "old")
    record = EvaluatorToken.objects.get(user=evaluator)
    signed_in(evaluator).post(f"/evaluation/tokens/{record.pk}/revoke/")
    assert Client().get("/evaluation/api/v1/report", **bearer(token)).status_code == 401


def test_a_token_stops_working_when_its_owner_is_no_longer_an_evaluator(make_staff):
    evaluator = make_staff(roles.EVALUATOR)
    token = services.do_create_token(evaluator, "t")
    roles.assign_role(evaluator, roles.MENTOR)
    assert Client().get("/evaluation/api/v1/report", **bearer(token)).status_code == 403


@pytest.mark.parametrize("role", [roles.MENTOR, roles.SUPERVISOR])
def test_other_roles_cannot_create_tokens(role, make_staff):
    response = signed_in(make_staff(role)).post("/evaluation/tokens/", {"name": "x"})
    assert response.status_code == 403
    assert not EvaluatorToken.objects.exists()


def test_an_evaluator_cannot_revoke_someone_elses_token(make_staff):
    owner = make_staff(roles.EVALUATOR)
    services.do_create_token(owner, "mine")
    record = EvaluatorToken.objects.get()
    response = signed_in(make_staff(roles.EVALUATOR)).post(
        f"/evaluation/tokens/{record.pk}/revoke/"
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


def test_the_openapi_schema_is_served_and_committed(db):
    served = Client().get("/evaluation/api/openapi.json").json()
    assert served["openapi"].startswith("3.")
    assert "/evaluation/api/v1/report" in served["paths"]
    assert json.loads(DOCS.read_text()) == json.loads(json.dumps(openapi.schema())), (
        "docs/evaluation-openapi.json is stale: run "
        "python manage.py evaluation_report --openapi --output docs/evaluation-openapi.json"
    )


def test_the_schema_documents_every_codebook_column():
    from evaluation.codebook import TABLES

    tables = openapi.schema()["components"]["schemas"]["Report"]["properties"]["tables"][
        "properties"
    ]
    for spec in TABLES:
        row = tables[spec.name]["properties"]["rows"]["items"]["properties"]
        assert {c.name for c in spec.columns} <= set(row)

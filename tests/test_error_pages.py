"""Styled error pages, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from chatplatform import roles
from tests.test_language import html_lang

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Page not found"), ("es", "Página no encontrada")]
)
def test_404_is_the_sites_page_in_the_readers_language(db, language, heading):
    response = Client(headers={"accept-language": language}).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert html_lang(page) == language
    assert f'<h1 id="error-heading">{heading}</h1>' in page
    assert 'id="quick-exit"' in page and '<main id="main"' in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Something went wrong"), ("es", "Algo salió mal")]
)
def test_500_stands_alone_in_the_readers_language(language, heading):
    request = RequestFactory().get("/")
    with translation.override(language):
        response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert html_lang(page) == language
    assert f'<h1 id="error-heading">{heading}</h1>' in page
    assert 'href="/help/"' in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "You can't open this page"), ("es", "No puedes abrir esta página")],
)
def test_403_is_the_sites_page_for_a_role_that_may_not_open_it(make_staff, language, heading):
    client = Client(headers={"accept-language": language})
    client.force_login(make_staff(roles.EVALUATOR))
    response = client.get("/staff/")
    assert response.status_code == 403
    page = response.content.decode()
    assert html_lang(page) == language
    assert f'<h1 id="error-heading">{heading}</h1>' in page

"""Each role's header shows only the staff pages that role can open, and each opens."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from chatplatform import roles
from frontend.navigation import STAFF_LINKS

pytestmark = pytest.mark.django_db

EXPECTED = {
    roles.MENTOR: {"Console", "Moderation"},
    roles.SUPERVISOR: {"Console", "Escalations", "Moderation", "Audit log"},
    roles.EVALUATOR: {"Evaluation"},
    roles.ADMIN: {"Console", "Escalations", "Moderation", "Audit log", "Evaluation", "Admin"},
}


def header_links(page: str) -> dict[str, str]:
    nav = re.search(r'<nav aria-label="Site">(.*?)</nav>', page, re.DOTALL).group(1)
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_link_in_a_roles_header_opens_for_that_role(make_staff, role):
    client = Client()
    client.force_login(make_staff(role))
    links = header_links(client.get("/privacy/").content.decode())
    staff_links = {
        label: href for label, href in links.items() if label not in ("Crisis help", "Privacy")
    }
    assert set(staff_links) == EXPECTED[role]
    for label, href in staff_links.items():
        assert client.get(href).status_code == 200, (role, label, href)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pages_left_out_of_a_roles_header_are_refused_to_it(make_staff, role):
    client = Client()
    client.force_login(make_staff(role))
    for link in STAFF_LINKS:
        if role in link.roles:
            continue
        status = client.get(reverse(link.url_name)).status_code
        assert status in (302, 403), (role, link.url_name, status)


def test_participants_see_no_staff_links(client, db):
    links = header_links(client.get("/").content.decode())
    assert set(links) == {"Crisis help", "Privacy"}

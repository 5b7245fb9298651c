"""The default crisis lines hold only checked facts, and pages claim nothing more.

docs/crisis-resources.md is the checked table; the seed file must agree with it
claim by claim, and a page says a line is free, open 24/7, confidential or off
the phone bill only when its row says so.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from chatplatform.models import CrisisResource
from chatplatform.services import crisis

ROOT = Path(__file__).resolve().parent.parent
SEED = yaml.safe_load((ROOT / "chatplatform/data/crisis_resources.yaml").read_text("utf-8"))
LANGUAGE_WORDS = {"en": "English", "es": "Spanish", "fr": "French"}


def checked_rows() -> list[dict[str, str]]:
    text = (ROOT / "docs/crisis-resources.md").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[A-Z]{2}", cells[0]):
            region, service, how, hours, emergency, source = cells
            rows.append(
                {"region": region, "service": service, "how": how, "hours": hours,
                 "emergency": emergency, "source": source}
            )  # fmt: skip
    return rows


def row_for(entry: dict) -> dict[str, str]:
    (row,) = [
        r
        for r in checked_rows()
        if r["region"] == entry["region"] and r["service"].startswith(entry["service"])
    ]
    return row


def test_every_checked_line_is_seeded_and_nothing_else():
    assert len(checked_rows()) == len(SEED) == 10
    assert sorted((e["region"], e["service"]) for e in SEED) == sorted(
        (row_for(e)["region"], e["service"]) for e in SEED
    )


@pytest.mark.parametrize("entry", SEED, ids=lambda e: f"{e['region']}-{e['service'][:12]}")
def test_each_seeded_claim_is_in_the_checked_table(entry):
    row = row_for(entry)
    how, hours = row["how"].lower(), row["hours"].lower()
    if entry.get("phone"):
        assert f"call {entry['phone']}" in how or f"call or text {entry['phone']}" in how
    if entry.get("text_number"):
        assert re.search(rf"text (\w+ to )?{re.escape(entry['text_number'])}", how) or (
            f"call or text {entry['text_number']}" in how
        )
    else:
        assert not re.search(r"\btext \w* ?\d", how), "the table has a text number we left out"
    if entry.get("text_keyword"):
        assert f"text {entry['text_keyword'].lower()} to" in how
    if entry.get("email"):
        assert entry["email"] in how
    if entry.get("url"):
        assert re.sub(r"^https://|/$", "", entry["url"]) in how
    assert entry.get("web_chat", False) == ("chat on" in how)
    assert entry.get("open_24_7", False) == ("24/7" in hours)
    cost = entry.get("cost", "")
    assert (cost == "free_from_mobiles") == ("free from mobiles" in hours)
    assert (cost == "free") == ("free" in hours and "free from mobiles" not in hours)
    assert entry.get("not_on_phone_bill", False) == ("phone bill" in how + hours)
    assert entry.get("confidential", False) == ("confidential" in hours)
    for code in filter(None, entry.get("call_languages", "").split(",")):
        assert LANGUAGE_WORDS[code].lower() in how
    assert entry["emergency_number"] in row["emergency"]
    assert entry["source"] == row["source"]


def test_samaritans_is_never_offered_as_a_text_service():
    for entry in SEED:
        if entry["service"] == "Samaritans":
            assert not entry.get("text_number")


@pytest.mark.django_db
def test_the_migration_seeds_exactly_the_file():
    stored = list(CrisisResource.objects.order_by("position").values("region", "service", "phone"))
    assert stored == [
        {"region": e["region"], "service": e["service"], "phone": e.get("phone", "")} for e in SEED
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("region", sorted({e["region"] for e in SEED}))
def test_a_line_is_called_free_only_when_its_row_says_so(region, client):
    client.post("/help/region/", {"region": region})
    page = client.get("/help/").content.decode()
    items = re.findall(r"<li>\s*<strong>(.*?)</strong>(.*?)</li>", page, re.S)
    assert items
    for service, body in items:
        (line,) = CrisisResource.objects.filter(region=region, service=html.unescape(service))
        assert ("Free." in body) == (line.cost == CrisisResource.Cost.FREE)
        assert ("Free from mobile phones." in body) == (
            line.cost == CrisisResource.Cost.FREE_FROM_MOBILES
        )
        assert ("Open 24 hours" in body) == line.open_24_7
        assert ("phone bill" in body) == line.not_on_phone_bill
        assert ('href="sms:' in body) == bool(line.text_number)
    assert "free lines" not in page and "for free" not in page


@pytest.mark.django_db
def test_a_line_without_any_established_claim_says_nothing_about_cost_or_hours():
    CrisisResource.objects.create(
        region="NZ", region_name="New Zealand", service="Example line", phone="0800 000 000",
        emergency_number="111", source="test", last_checked="2026-11-01",
    )  # fmt: skip
    (line,) = crisis.region_lines("NZ")["lines"]
    assert line["facts"] == []
    assert [way["href"] for way in line["ways"]] == ["tel:0800000000"]

"""Which country's crisis lines a person sees: the pure rules, without a database."""

from __future__ import annotations

import pytest

from chatplatform import crisis_locale
from chatplatform.crisis_locale import LocaleGuess

HELD = {"US", "CA", "GB", "IE", "ES", "MX", "AU"}


def choose(
    header: str = "",
    *,
    chosen: str = "",
    language: str = "en",
    written: str = "",
    default: str = "US",
) -> crisis_locale.RegionChoice:
    return crisis_locale.resolve(
        chosen=chosen,
        guess=crisis_locale.guess_from_header(header, HELD),
        language=language,
        default=default,
        available=HELD,
        written_language=written,
    )


@pytest.mark.parametrize(
    ("header", "region"),
    [
        ("es-ES,es;q=0.9", "ES"),
        ("es-MX,es;q=0.9,en;q=0.5", "MX"),
        ("en-GB,en;q=0.8", "GB"),
        ("en-AU", "AU"),
        ("fr-CA,fr;q=0.9", "CA"),
        ("en-CA", "CA"),
        ("en-US,en;q=0.9", "US"),
        ("es-US,es;q=0.9", "US"),
        ("en-IE", "IE"),
        ("ga-IE,en;q=0.5", "IE"),
        ("es_ES", "ES"),
        ("zh-Hant-AU", "AU"),
    ],
)
def test_the_region_of_the_browsers_languages_decides(header, region):
    choice = choose(header)
    assert (choice.region, choice.how, choice.shown) == (region, crisis_locale.LOCALE, (region,))
    assert choice.assumed and not choice.asking


def test_an_explicit_choice_overrides_the_browser():
    choice = choose("es-ES,es;q=0.9", chosen="GB")
    assert (choice.region, choice.how) == ("GB", crisis_locale.CHOSEN)
    assert not choice.assumed


def test_a_choice_of_a_region_without_lines_is_ignored():
    assert choose("es-MX", chosen="ZZ").region == "MX"


@pytest.mark.parametrize("header", ["es", "es;q=1.0,en;q=0.1", "es-419,es;q=0.9", "es-AR"])
def test_spanish_without_a_region_we_hold_asks_offering_spain_and_mexico_first(header):
    choice = choose(header)
    assert choice.asking
    assert choice.offered[:2] == ("ES", "MX")
    assert set(choice.offered) == HELD
    # Meanwhile both countries' lines show, so nobody waits for an answer to see a number.
    assert choice.shown == ("ES", "MX")


def test_quality_values_order_the_languages():
    assert choose("en-GB;q=0.4,es-MX;q=0.8").region == "MX"
    assert choose("es-MX;q=0,en-GB").region == "GB"


def test_the_first_decisive_language_wins():
    # Bare English says nothing about the country; the next tag does.
    assert choose("en,es-ES;q=0.8").region == "ES"
    # Bare Spanish first: ask, even though a later tag names a country.
    assert choose("es,en-US;q=0.8").asking


def test_nothing_to_go_on_means_the_default():
    for header in ("", "en", "de-DE,de;q=0.9", "*", "q=0.5", ",,,", "x" * 1000):
        choice = choose(header)
        assert (choice.region, choice.how) == ("US", crisis_locale.DEFAULT)
    assert choose("", default="GB").region == "GB"


def test_a_spanish_interface_or_spanish_messages_with_nothing_else_ask_too():
    assert choose("", language="es").asking
    assert choose("en", written="es").asking
    # A browser that names a country still decides.
    assert choose("en-US", written="es").region == "US"
    assert not choose("", written="en").asking


def test_the_default_is_kept_even_when_it_has_no_lines():
    choice = crisis_locale.resolve(
        chosen="", guess=LocaleGuess(), language="en", default="NZ", available=HELD
    )
    assert (choice.region, choice.shown) == ("NZ", ("NZ",))


def test_the_current_region_is_offered_first_when_changing():
    choice = choose("en-GB")
    assert choice.offered[0] == "GB"


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", ["es-es", "es", "en"]),
        ("en;q=0.2, fr;q=0.7 , de", ["de", "fr", "en"]),
        ("en;q=abc,fr", ["fr"]),
        ("en;q=2,fr;q=0.5", ["fr"]),
        ("", []),
    ],
)
def test_accept_language_is_parsed_strictly_and_never_fails(header, tags):
    assert crisis_locale.language_tags(header) == tags

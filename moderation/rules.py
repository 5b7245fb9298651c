"""Matching automatic moderation rules against a message body. No Django here.

A ``RuleSet`` is compiled once from ``RuleSpec`` values (kept as data in the
database or a YAML file) and then evaluates each new message: which rules
matched, where, and the strongest action among them. Masked spans are replaced
by ``[removed]``. Nothing here logs or keeps the text it is given.

Speed matters: every message passes through here before it is stored (see
benchmarks/moderation_rules.py). The expensive step, phone-number validation
with ``phonenumbers``, only runs on digit runs that could be a phone number;
dates, times, prices and short numbers are ruled out by cheap patterns first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

MASK_TEXT = "[removed]"

BLOCK = "block"
HOLD = "hold"
MASK = "mask"
FLAG = "flag"
ACTIONS = (BLOCK, HOLD, MASK, FLAG)
_STRENGTH = {FLAG: 0, MASK: 1, HOLD: 2, BLOCK: 3}

TERMS = "terms"
REGEX = "regex"
LINKS = "links"
CONTACT = "contact"
MATCHES = (TERMS, REGEX, LINKS, CONTACT)

PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
CONTACT_KINDS = (PHONE, EMAIL, HANDLE)

Span = tuple[int, int]
# A finder gets the body and its lower-cased form (same length, so spans match both):
# matching lower-cased text without IGNORECASE is about twice as fast.
Finder = Callable[[str, str], list[Span]]


class RuleError(ValueError):
    """A rule that cannot be compiled. The message names the rule."""


@dataclass(frozen=True)
class RuleSpec:
    """One rule as data. ``patterns`` means: terms or phrases for ``terms``, regular
    expressions for ``regex``, domains for ``links`` (none: every link), contact kinds
    for ``contact`` (none: all of phone, email and handle). ``allow`` lists matches
    that are exempt (a term, a domain, an address or a number)."""

    name: str
    match: str
    action: str
    patterns: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    room_id: int | None = None
    exempt_staff: bool = True
    notice: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Hit:
    rule: RuleSpec
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Evaluation:
    """What the rules made of a body. ``action`` is None when no rule matched."""

    action: str | None
    body: str
    hits: tuple[Hit, ...]

    @property
    def masked(self) -> bool:
        return any(hit.rule.action == MASK for hit in self.hits)

    @property
    def deciding_rule(self) -> RuleSpec | None:
        """The first rule with the strongest action: its notice is what the sender is told."""
        return next((hit.rule for hit in self.hits if hit.rule.action == self.action), None)

    def __repr__(self) -> str:
        return f"Evaluation(action={self.action!r}, rules={[h.rule.name for h in self.hits]})"


# --- terms and regular expressions ------------------------------------------------------


def _term_pattern(term: str) -> str:
    """A term matches whole words, in any case, with any run of spaces between words.
    A trailing ``*`` also matches longer words that start with the term."""
    term = term.strip().lower()
    prefix = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    return body + (r"\w*" if prefix else "")


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (a few characters grow when lowered)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _regex_finder(pattern: re.Pattern[str], *, folded: bool) -> Finder:
    def find(text: str, lowered: str) -> list[Span]:
        subject = lowered if folded else text
        return [m.span() for m in pattern.finditer(subject) if m.end() > m.start()]

    return find


def _terms_finder(rule: RuleSpec) -> Finder:
    terms = [t for t in rule.patterns if t.strip()]
    if not terms:
        raise RuleError(f"rule {rule.name!r}: a terms rule needs at least one term")
    alternation = "|".join(_term_pattern(t) for t in sorted(terms, key=len, reverse=True))
    return _regex_finder(re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), folded=True)


def _regex_rule_finder(rule: RuleSpec) -> Finder:
    expressions = [p for p in rule.patterns if p.strip()]
    if not expressions:
        raise RuleError(f"rule {rule.name!r}: a regex rule needs at least one expression")
    try:
        compiled = re.compile("|".join(f"(?:{p})" for p in expressions), re.IGNORECASE)
    except re.error as error:
        raise RuleError(f"rule {rule.name!r}: invalid regular expression ({error})") from None
    return _regex_finder(compiled, folded=False)


# --- links ------------------------------------------------------------------------------

_TLDS = (
    "com|net|org|edu|gov|io|me|gg|ly|co|app|info|biz|xyz|link|tv|us|uk|ca|au|nz|ie|de|es|fr|"
    "it|nl|to|cc|ai|dev|page|site|online|club|live|chat|social|fm|be|ch|at|in|mx|ar|br|cl"
)
_LINK = re.compile(
    r"(?<![\w@.])(?:"
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?"
    r")"
)
# Every link has a dot directly followed by a letter or digit; most messages have none.
_DOT_THEN_NAME = re.compile(r"\.[a-z0-9]")


def _host(link: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower())
    return re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".,;!)")


def _domain_in(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _links_finder(rule: RuleSpec) -> Finder:
    domains = tuple(d.strip().lower() for d in rule.patterns if d.strip())
    allowed = tuple(d.strip().lower() for d in rule.allow if d.strip())

    def find(text: str, lowered: str) -> list[Span]:
        if not _DOT_THEN_NAME.search(lowered):
            return []
        spans = []
        for match in _LINK.finditer(lowered):
            host = _host(match.group())
            if domains and not _domain_in(host, domains):
                continue
            if _domain_in(host, allowed):
                continue
            end = match.end()
            # Sentence punctuation after a link is not part of it.
            while end > match.start() and text[end - 1] in ".,;:!?)":
                end -= 1
            spans.append((match.start(), end))
        return spans

    return find


# --- contact details --------------------------------------------------------------------

_EMAIL_TLDS = "com|net|org|edu|gov|io|me|co|uk|ca|au|nz|ie|de|es|fr|it|nl|info|mail"
_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.(?:{_EMAIL_TLDS})\b")
# "jess at gmail dot com", "jess(at)gmail(dot)com", "jess at gmail.com".
_SPELLED_AT = r"(?:\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+)"
_SPELLED_DOT = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_SPELLED_AT}[\w-]+(?:{_SPELLED_DOT}[\w-]+)*"
    rf"{_SPELLED_DOT}(?:{_EMAIL_TLDS})\b"
)
_SPELLED_EMAIL_HINT = re.compile(rf"\bdot\b|[(\[{{]\s*at\s*[)\]}}]|\.(?:{_EMAIL_TLDS})\b")
_AT_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
# Participants address each other by generated handles like "@Quiet Heron 17": not contact details.
_PLATFORM_HANDLE_AFTER_AT = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+ \d{1,4}\b")
_PLATFORM_CUE = re.compile(
    r"(?<!\w)(?:insta(?:gram)?|ig|snap(?:chat)?|tik\s?tok|twitter|discord|telegram|kik|"
    r"facebook|fb|whats\s?app|signal|threads|reddit|twitch|steam|xbox|psn)\b"
    r"(?P<sep>\s*(?:[:=@-]|\bis\b|\bname\b|\bhandle\b|\bid\b|\buser(?:name)?\b)(?:\s*[:=@-])?)+\s*"
    r"@?(?P<handle>[a-z0-9_.#]{3,32})"
)
_HANDLE_LIKE = re.compile(r"[\d_.#]")
# Digit runs that could be phone numbers: 7 or more digits joined by spaces, dashes, dots or
# brackets. Commas, slashes and colons never join, so prices, dates and times stay out.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d(?:[ .()-]{0,3}\d){6,16}(?![\w])")
_DATE_LIKE = re.compile(r"\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{2,4}")
_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


@dataclass(frozen=True)
class _Region:
    """A cheap necessary condition for a national number of one region, checked before the
    full (and much slower) phonenumbers parse: the digits, with the national prefix
    stripped or not, must fit the region's general number pattern."""

    code: str
    general: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None
    # Numbers of this region are written nationally with a leading 0 (GB: "07700 …").
    zero_trunk: bool = False

    @classmethod
    def of(cls, code: str) -> _Region:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(code)
        zero_trunk = metadata is not None and metadata.national_prefix == "0"
        if metadata is None or metadata.national_prefix_transform_rule:
            # Regions that rewrite the national prefix always get the full parse.
            return cls(code, None, None, zero_trunk)
        prefix = metadata.national_prefix_for_parsing
        return cls(
            code,
            re.compile(metadata.general_desc.national_number_pattern),
            re.compile(prefix) if prefix else None,
            zero_trunk,
        )

    def might_hold(self, digits: str) -> bool:
        if self.general is None or self.general.fullmatch(digits):
            return True
        stripped = self.national_prefix.match(digits) if self.national_prefix else None
        return stripped is not None and bool(self.general.fullmatch(digits[stripped.end() :]))


def _possible(number: phonenumbers.PhoneNumber) -> bool:
    """The number has a full length of its region (not only a local one)."""
    return (
        phonenumbers.is_possible_number_with_reason(number)
        == phonenumbers.ValidationResult.IS_POSSIBLE
    )


class _PhoneFinder:
    """Phone numbers in the national formats of some regions, and international ones.

    Masking errs towards anonymity: a number is found when it is *possible* (the
    right length and shape for a region), not only when phonenumbers knows its range
    as valid, so a number mistyped by one digit, or from a range newer than the
    library's metadata, is still masked. For a region written with a leading 0
    (GB), a possible-but-unknown national number must start with that 0, which
    keeps order numbers and amounts ("123456789", "100 000 000") untouched.
    """

    def __init__(self, regions: Sequence[str], allow: Iterable[str]) -> None:
        self.regions = tuple(_Region.of(code) for code in regions)
        self.allowed = frozenset(d.lstrip("0") for d in (_digits(a) for a in allow) if d)

    def _valid(self, candidate: str) -> phonenumbers.PhoneNumber | None:
        """The phone number ``candidate`` may be (valid, or possible), or None."""
        digits = _digits(candidate)
        if candidate.lstrip("(").startswith("+"):
            regions: list[_Region | None] = [None]
        else:
            # "00 44 ..." and "011 44 ...": dialled from abroad, so the full parse decides.
            dialled_abroad = digits.startswith(("00", "011"))
            regions = [r for r in self.regions if dialled_abroad or r.might_hold(digits)]
        for region in regions:
            try:
                number = phonenumbers.parse(candidate, region.code if region else None)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
            national = region is not None and not digits.startswith(("00", "011"))
            if not _possible(number):
                continue
            if national and region.zero_trunk and not digits.startswith("0"):
                continue
            return number
        return None

    def __call__(self, text: str, lowered: str) -> list[Span]:
        if not _DIGIT.search(text):
            return []
        spans = []
        for match in _PHONE_CANDIDATE.finditer(text):
            candidate = match.group()
            if _DATE_LIKE.fullmatch(candidate):
                continue
            number = self._valid(candidate)
            if number is None:
                continue
            if self.allowed and (
                str(number.national_number) in self.allowed
                or _digits(candidate).lstrip("0") in self.allowed
            ):
                continue
            spans.append(match.span())
        return spans


class _EmailFinder:
    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def __call__(self, text: str, lowered: str) -> list[Span]:
        matches = list(_EMAIL.finditer(lowered)) if "@" in lowered else []
        if _SPELLED_EMAIL_HINT.search(lowered):
            matches.extend(_SPELLED_EMAIL.finditer(lowered))
        return [m.span() for m in matches if m.group() not in self.allowed]


class _HandleFinder:
    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def __call__(self, text: str, lowered: str) -> list[Span]:
        spans = []
        if "@" in text:
            for m in _AT_HANDLE.finditer(text):
                if _PLATFORM_HANDLE_AFTER_AT.match(text, m.start() + 1):
                    continue
                if not {m.group().lower(), m.group(1).lower()} & self.allowed:
                    spans.append(m.span())
        for m in _PLATFORM_CUE.finditer(lowered):
            handle = m.group("handle")
            explicit = any(c in m.group("sep") for c in ":=@-")
            if handle in self.allowed or not (explicit or _HANDLE_LIKE.search(handle)):
                continue
            spans.append(m.span("handle"))
        return spans


def _contact_finder(rule: RuleSpec, phone_regions: Sequence[str]) -> Finder:
    kinds = tuple(k.strip().lower() for k in rule.patterns if k.strip()) or CONTACT_KINDS
    unknown = set(kinds) - set(CONTACT_KINDS)
    if unknown:
        raise RuleError(
            f"rule {rule.name!r}: unknown contact kinds {sorted(unknown)}; "
            f"choose from {', '.join(CONTACT_KINDS)}"
        )
    allowed = frozenset(a.strip().lower() for a in rule.allow if a.strip())
    finders: list[Finder] = []
    if PHONE in kinds:
        finders.append(_PhoneFinder(phone_regions, rule.allow))
    if EMAIL in kinds:
        finders.append(_EmailFinder(allowed))
    if HANDLE in kinds:
        finders.append(_HandleFinder(allowed))

    def find(text: str, lowered: str) -> list[Span]:
        return [span for finder in finders for span in finder(text, lowered)]

    return find


# --- compiling and evaluating -----------------------------------------------------------


def _allowed_terms(rule: RuleSpec, finder: Finder) -> Finder:
    """For terms and regex rules: drop matches whose text is on the rule's allow-list."""
    allowed = frozenset(a.strip().lower() for a in rule.allow if a.strip())
    if not allowed:
        return finder

    def find(text: str, lowered: str) -> list[Span]:
        return [(s, e) for s, e in finder(text, lowered) if lowered[s:e] not in allowed]

    return find


def compile_rule(rule: RuleSpec, phone_regions: Sequence[str] = ("US",)) -> Finder:
    """Check a rule and build its matcher. Raises RuleError naming the rule."""
    if rule.action not in ACTIONS:
        raise RuleError(f"rule {rule.name!r}: action must be one of {', '.join(ACTIONS)}")
    if rule.match == TERMS:
        return _allowed_terms(rule, _terms_finder(rule))
    if rule.match == REGEX:
        return _allowed_terms(rule, _regex_rule_finder(rule))
    if rule.match == LINKS:
        return _links_finder(rule)
    if rule.match == CONTACT:
        return _contact_finder(rule, phone_regions)
    raise RuleError(f"rule {rule.name!r}: match must be one of {', '.join(MATCHES)}")


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def mask(text: str, spans: Iterable[Span]) -> str:
    pieces = []
    cursor = 0
    for start, end in merge_spans(spans):
        pieces.append(text[cursor:start])
        pieces.append(MASK_TEXT)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


class RuleSet:
    """Compiled rules, evaluated in order. Build one per change to the rules, not per message."""

    def __init__(self, rules: Iterable[RuleSpec], phone_regions: Sequence[str] = ("US",)) -> None:
        self.rules = tuple((rule, compile_rule(rule, phone_regions)) for rule in rules)

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(
        self, body: str, *, room_id: int | None = None, is_staff: bool = False
    ) -> Evaluation:
        hits: list[Hit] = []
        action: str | None = None
        lowered = fold(body)
        for rule, find in self.rules:
            if rule.room_id is not None and rule.room_id != room_id:
                continue
            if is_staff and rule.exempt_staff:
                continue
            spans = find(body, lowered)
            if not spans:
                continue
            hits.append(Hit(rule=rule, spans=tuple(spans)))
            if action is None or _STRENGTH[rule.action] > _STRENGTH[action]:
                action = rule.action
        mask_spans = [span for hit in hits if hit.rule.action == MASK for span in hit.spans]
        return Evaluation(
            action=action,
            body=mask(body, mask_spans) if mask_spans else body,
            hits=tuple(hits),
        )

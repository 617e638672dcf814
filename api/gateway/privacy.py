"""Personal data out of everything sent to an LLM vendor: a pure function and its settings.

`scrub(text, names, rules)` replaces, in this order:

1. e-mail addresses, plain (``ana@uni.edu``) and written out (``ana [at] uni [dot] edu``,
   ``ana(at)uni(dot)edu``, ``ana at uni dot edu``) -> ``[email]``;
2. the user part of home folders in paths and tracebacks (``/home/ana/``, ``/Users/ana/``,
   ``C:\\Users\\ana\\``, JupyterHub's ``/user/ana/``) -> ``/home/[user]/``;
3. IP addresses (v4 and v6, loopback and unspecified kept) -> ``[ip]``;
4. phone numbers: international (``+44 20 7946 0958``, ``0031 6 1234 5678``) and local
   (``06 12 34 56 78``, ``(555) 013-4567``, ``555-0134``) -> ``[phone]``;
5. student numbers: a labelled one of any shape (``student number: 12-345``) and the
   configurable patterns (by default ``s1234567``-like ids and 6-10 digit numbers) -> ``[student-id]``;
6. the identities the platform knows (the user's name and what the login provides, the roster
   of their class), whole words, case-insensitive, also each part of a multi-part name -> ``[name]``;
7. names introduced by a cue (``my name is``, ``# author:``, a sign-off such as ``Thanks, Ana``) -> ``[name]``.

Code semantics are kept where they can be: a 6-10 digit number that is *ordinary* in code (round,
one repeated digit, a run like 123456, 10**k +- a little such as 1000000007, a power of two,
2**k - 1) is not a student number; a phone number must look like one (a leading 0, ``+`` or a
parenthesised area code, or the 3-4 / 3-3-4 shapes), so ``10 20 30 40`` or ``1000-2000`` stay.
The trade-off, accepted: any other 6-10 digit literal in code (``seed = 4829301``) becomes
``[student-id]``, ``123-4567`` becomes ``[phone]``, a version string of four small numbers
becomes ``[ip]``, and a name from the roster that is also an English word (``Will``) is removed
from prose. An identity that is a Python builtin or keyword (a student called ``max``) is only
removed when capitalised (``Max``), so code calling ``max()`` keeps working. Names the platform
does not know and no cue introduces are not found (no name recognition model).
"""

from __future__ import annotations

import builtins
import functools
import ipaddress
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

from traitlets import Bool, List, Unicode
from traitlets.config import Configurable

DEFAULT_STUDENT_ID_PATTERNS = (
    r"(?<![\w.])[A-Za-z]{1,2}\d{6,9}(?![\w.])",  # s1234567, u1234567, ab123456
    r"(?<![\w.])\d{6,10}(?![\w]|\.\d)",  # 6-10 digits (ordinary numbers in code are kept)
)

_LOCAL = r"[\w.+-]*\w"
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
# top-level domains accepted for e-mails written out with bare words ("ana at uni dot edu")
_TLDS = r"(?:com|org|net|edu|gov|mil|info|io|ac|eu|nl|de|fr|uk|es|ch|se|dk|fi|pt|pl|ie|ca|au|br|mx|jp|cn|in)"
# each starts where a run of address characters starts: tried from inside a long run too, the
# search would take time quadratic in the run's length (20 000 digits took 50 s)
EMAIL = re.compile(rf"(?<![\w.+-]){_LOCAL}@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{{2,}}")
EMAIL_BRACKETED = re.compile(
    rf"(?i)(?<![\w.+-]){_LOCAL}\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*[\w-]+(?:\s*(?:{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}|\.)\s*[\w-]+)+"
)
EMAIL_WORDS = re.compile(
    rf"(?i)(?<![\w.+-]){_LOCAL}(?:\s+at\s+|\s*@\s*)[\w-]+(?:(?:\s+dot\s+|\.)[\w-]+)*(?:\s+dot\s+|\.){_TLDS}\b"
)
HOME = re.compile(
    r"(?i)((?:[a-z]:)?(?:\\\\|\\|/)+(?:home|users|usr[\\/]+home|export[\\/]+home|var[\\/]+home|"
    r"documents and settings|user)(?:\\\\|\\|/)+)([^\\/\s\"'<>:|*?#&=]+)"
)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
IPV6 = re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])")
PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){1,6}(?!\w)")
PHONE_LOCAL = re.compile(r"(?<![\w.+-])(?:\(\d{2,5}\)|\d{2,5})(?:[\s.-]\d{2,5}){1,5}(?![\w.]|-\d)")
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
LABELLED_ID = re.compile(
    r"(?i)\b(student[\s_-]*(?:number|no\.?|nr\.?|id|#)|matric(?:ulation)?(?:\s*(?:number|no\.?))?|studentnummer|matrikelnummer)"
    r"(\s*(?:is\s+)?[:#=]?\s*['\"]?)([A-Za-z0-9][A-Za-z0-9-]{2,19})"
)
_NAME = r"[A-Z][a-z'\u00c0-\u017f-]+(?:[ \t]+[A-Z][a-z'\u00c0-\u017f-]+){0,2}"
CUED_NAME = re.compile(
    rf"(?i:\b(my name is|i am|i'm|this is|author|written by|name|student|signed|by)\b)([ \t]*[:=]?[ \t]*['\"]?)({_NAME})"
)
SIGN_OFF = re.compile(
    rf"(?im:^(\s*(?:#+\s*)?(?:thanks|thank you|many thanks|cheers|regards|best|best regards|kind regards|greetings|bye|"
    rf"sincerely|love|ciao|groetjes|gr)\b[,.!]?\s*(?:\n\s*(?:#+\s*)?)?(?:[-\u2013\u2014]+\s*)?))({_NAME})"
)
DASH_NAME = re.compile(rf"(?m)^([ \t]*(?:#+[ \t]*)?(?:--|\u2013|\u2014)[ \t]*)({_NAME})[ \t]*$")
# capitalised words a cue is often followed by that are not names
NOT_NAMES = frozenset(
    "I A An The This That It Python Jupyter Java Stuck Confused Lost Not Sure Done Here Trying Using Getting Working Sorry "
    "Back New Still Also Just Really Very So Now Then Please Thanks Hello Hi Default None True False Zero One Two".split()
)
PYTHON_WORDS = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
# parts of login names that are words, not names (api-alice, student-07, jupyter-ana)
NOT_NAME_PARTS = PYTHON_WORDS | frozenset("api user users student students test admin class group team demo guest jupyter hub "
                                          "the and course lab".split())
ORDINARY_NUMBERS = frozenset({998244353, 2147483647, 4294967295, 4294967296, 1000000007, 1000000009})


@dataclass(frozen=True)
class ScrubRules:
    """The settings of one scrubber, compiled."""

    student_ids: tuple[re.Pattern, ...]
    keep_ordinary_numbers: bool = True

    @classmethod
    def of(cls, patterns=DEFAULT_STUDENT_ID_PATTERNS, keep_ordinary_numbers: bool = True) -> "ScrubRules":
        return cls(tuple(re.compile(p) for p in patterns), keep_ordinary_numbers)


DEFAULT_RULES = ScrubRules.of()


class PersonalDataScrubber(Configurable):
    """What counts as a student number; everything else the scrubber finds is fixed (see the module docstring)."""

    student_id_patterns = List(
        Unicode(), list(DEFAULT_STUDENT_ID_PATTERNS),
        help="Regular expressions of student numbers at your institution; every match is removed before a vendor sees "
        "the text. The default takes ids like s1234567 and any 6-10 digit number that is not an ordinary number in code.",
    ).tag(config=True)
    keep_ordinary_numbers = Bool(
        True, help="Keep 6-10 digit numbers that are ordinary in code (1000000, 1000000007, 123456, powers of two) "
        "even when a student-number pattern matches them.",
    ).tag(config=True)

    @property
    def rules(self) -> ScrubRules:
        return _compiled(tuple(self.student_id_patterns), self.keep_ordinary_numbers)


@functools.lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...], keep: bool) -> ScrubRules:
    return ScrubRules.of(patterns, keep)


def scrub(text: str, names=(), rules: ScrubRules = DEFAULT_RULES) -> str:
    """`text` without the personal data the module docstring lists."""
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = EMAIL_BRACKETED.sub("[email]", text)
    text = EMAIL_WORDS.sub("[email]", text)
    text = HOME.sub(lambda m: m.group(1) + "[user]", text)
    text = IPV4.sub(lambda m: "[ip]" if _is_ip(m.group(0)) else m.group(0), text)
    text = IPV6.sub(lambda m: "[ip]" if _is_ip(m.group(0)) else m.group(0), text)
    text = PHONE_INTL.sub(lambda m: "[phone]" if 8 <= _digits(m.group(0)) <= 15 else m.group(0), text)
    text = PHONE_LOCAL.sub(lambda m: "[phone]" if _local_phone(m.group(0)) else m.group(0), text)
    text = LABELLED_ID.sub(lambda m: m.group(1) + m.group(2) + "[student-id]", text)
    for pattern in rules.student_ids:
        text = pattern.sub(lambda m: m.group(0) if rules.keep_ordinary_numbers and _ordinary(m.group(0)) else "[student-id]", text)
    text = _identities(_normalised(frozenset(names))).sub(text) if names else text
    text = CUED_NAME.sub(lambda m: m.group(0) if _not_a_name(m.group(3)) else m.group(1) + m.group(2) + "[name]", text)
    text = SIGN_OFF.sub(lambda m: m.group(0) if _not_a_name(m.group(2)) else m.group(1) + "[name]", text)
    return DASH_NAME.sub(lambda m: m.group(0) if _not_a_name(m.group(2)) else m.group(1) + "[name]", text)


def holds_personal_data(texts, names=(), rules: ScrubRules = DEFAULT_RULES) -> bool:
    """Would `scrub` change any of `texts`?"""
    return any(t and scrub(t, names, rules) != t for t in texts)


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _is_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    long_group = any(len(g) >= 3 for g in text.split(":"))
    return not (address.is_loopback or address.is_unspecified) and (address.version == 4 or len(text) >= 7 and long_group)


def _local_phone(text: str) -> bool:
    """A grouped number shaped like a phone number (see the module docstring), not a date."""
    if DATE.fullmatch(text) or not 7 <= _digits(text) <= 13:
        return False
    groups = re.findall(r"\d+", text)
    shape = [len(g) for g in groups]
    return text.startswith(("(", "0")) or shape in ([3, 4], [3, 3, 4]) or (len(groups) >= 3 and shape[-1] == 4)


def _ordinary(token: str) -> bool:
    """A number that is common in code (round, a run, a power of two, 10**k +- a little)."""
    if not token.isdigit():
        return False
    n = int(token)
    if n in ORDINARY_NUMBERS or len(set(token)) == 1 or token.endswith("000"):
        return True
    if token[0] in "01" and token in "01234567890123456789" or token[0] == "9" and token in "9876543210":
        return True
    if n & (n - 1) == 0 or (n + 1) & n == 0:
        return True
    nearest = 10 ** round(math.log10(n)) if n else 1
    return abs(n - nearest) <= 1000


@functools.lru_cache(maxsize=8192)
def _terms_of(identity: str) -> tuple[str, ...]:
    """An identity and each part of a multi-part one (3+ letters)."""
    value = identity.strip()
    person = value.split("@", 1)[0]  # an e-mail's domain names a place, not a person
    parts = [p for p in re.split(r"[^\w\u00c0-\u017f]+|_|\d+", person) if len(p) >= 3 and p.lower() not in NOT_NAME_PARTS]
    return (value, *parts) if len(value) >= 3 else tuple(parts)


# every text of a prompt is scrubbed with the same names (a class roster: hundreds), and each
# identity's parts were split anew each time: a twentieth of an API worker's time under a class;
# keyed by the set of names, the same whoever asks (the tutor's context holds it as one)
@functools.lru_cache(maxsize=64)
def _normalised(identities: frozenset) -> tuple[str, ...]:
    """Each identity and each part of a multi-part one (3+ letters), longest first."""
    terms: set[str] = set()
    for identity in identities:
        terms.update(_terms_of(str(identity)))
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


_WORD = r"[\w\u00c0-\u017f]"
WORD_RUN = re.compile(rf"{_WORD}+")


@functools.lru_cache(maxsize=256)
def _identity_pattern(terms: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"(?i)(?<!{_WORD})(?:{alternatives})(?!{_WORD})")


class _Identities:
    """Finds known names in a text as one alternation of them would (whole words, any case, the longest
    first), at the cost of a dictionary look-up per word of the text instead of trying every name at
    every position: with a class roster of 1,000 the alternation took 1.5 ms for a few lines of code,
    this 0.05 ms.

    A name that is one word is looked up by its key and then matched; one of several words ("Ben
    Smith", "ana.lopez") is tried only where a word of the text has its first word's key; the rare
    name that starts with no word character at all is left to the alternation, in the same pass."""

    def __init__(self, terms: tuple[str, ...]):
        words: dict[str, list[str]] = {}
        self.phrases: dict[str, list[re.Pattern]] = {}  # by the key of their first word, longest first as `terms` is
        odd = []
        for term in terms:
            first = WORD_RUN.match(term)
            if first is None:
                odd.append(term)
            elif first.end() == len(term):
                words.setdefault(_key(term), []).append(term)
            else:
                self.phrases.setdefault(_key(first.group(0)), []).append(re.compile(rf"(?i){re.escape(term)}(?!{_WORD})"))
        # a key only narrows the names down: the regular expression's own any-case match decides
        self.words = {key: re.compile("(?i)" + "|".join(re.escape(t) for t in same)) for key, same in words.items()}
        self.odd = _identity_pattern(tuple(odd)) if odd else None

    def sub(self, text: str) -> str:
        out, done = [], 0
        odd = self.odd.search(text) if self.odd is not None else None

        def odd_before(limit: int) -> None:
            """Replace the names starting with no word character that start before `limit`."""
            nonlocal odd, done
            while odd is not None and odd.start() < limit:
                if odd.start() >= done:
                    out.extend((text[done:odd.start()], _name_or_code(odd)))
                    done = odd.end()
                odd = self.odd.search(text, done)

        for word in WORD_RUN.finditer(text):
            start = word.start()
            odd_before(start)
            if start < done:  # inside a name just replaced
                continue
            key, end = _key(word.group(0)), 0
            for phrase in self.phrases.get(key, ()):
                found = phrase.match(text, start)
                if found:
                    end = found.end()
                    break
            if not end and key in self.words and self.words[key].fullmatch(word.group(0)):
                end = word.end()
            if end:
                out.extend((text[done:start], _name_or_code_text(text[start:end])))
                done = end
        odd_before(len(text) + 1)
        out.append(text[done:])
        return "".join(out) if done else text


def _key(word: str) -> str:
    """A word's look-up key: the same for any two spellings that match each other in any case (İlker and
    ILKER, ſam and SAM), though not only for those (STRASSE and straße)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=256)
def _identities(terms: tuple[str, ...]) -> _Identities:
    return _Identities(terms)


def _name_or_code(m: re.Match) -> str:
    return _name_or_code_text(m.group(0))


def _name_or_code_text(found: str) -> str:
    """A known name is removed, unless it is a Python word used as one (a student called max, in code)."""
    if found.lower() in PYTHON_WORDS and not found[:1].isupper():
        return found
    return "[name]"


def _not_a_name(words: str) -> bool:
    return words.split()[0] in NOT_NAMES

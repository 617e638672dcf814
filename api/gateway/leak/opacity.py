"""Opaque text: what no view of an answer reads as prose or code.

A tutor never needs to send a blob. The views decode a fixed list of encodings; any other reversible transform
(a cipher with a key, bytes XORed, an encoding of the reversed text) leaves text that reads as nothing. An answer
(or a conversation: it adds up over the answers) holding MIN_OPAQUE characters of such text, or half as many when
they are most of it, that no reading turns into prose or code (a whole-text reading such as rot13, ROT47 or a Caesar
shift; a decoding of the blob or run of codes itself) cannot be vouched for, and is held back as an answer whose
decodings do not fit the view budget is (`views.past_budget`).

A token is gibberish when its character pairs (letters case-folded, digits as one) are mostly pairs that English
prose and Python code seldom hold (COMMON_PAIRS: the 98.5 % most frequent pairs of the bank's exercises, the README
and the design notes; COMMON_LETTER_PAIRS: 97 % of the letter pairs of their words), when its case or its letters
and digits alternate as no name does, or when it is a hex or bit string longer than a SHA-256. A dozen tokens in a
row are judged together as well (a cipher's short words say little one by one). A run of over 100 small numbers
counts too. Words, numbers, identifiers, paths, links, a hex colour, a hash and a UUID read.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .views import MIN_DECODED, views, whole_readings

COMMON_PAIRS = frozenset(re.findall(r"..", (
    '"""\'"(")","."0":"["]"`"a"b"c"d"e"f"h"i"l"m"n"o"p"r"s"t"u"w##\'"\'\'\')\',\'.\'0\':\']\'`\'a\'b\'c\'d\'e\'i\'m\'n\'o\'p\'r'
    '\'s\'t\'w("(\'()(0([(`(a(c(d(e(f(g(h(i(l(m(n(o(p(r(s(t(v(w({)"))),).):);)\\)])`***:*a+0+=,0---0-a-b-c-d-f'
    '-g-h-i-l-m-o-p-r-s-t-u-|.".*...0.a.b.c.d.e.g.h.i.j.l.m.p.r.s.t.v.w///`/a/c/e/g/h/j/l/m/o/p/r/s/t/u/v'
    '0"0\'0)0,0-0.0/000:0;0\\0]0`0f0}:/:0:\\<s=0==>/>>>`?"["[\'[([-[0[[[][i[t\\\\\\n]"])],].]:]\\]]]`___a_b_c_d_e'
    '_f_g_h_i_k_l_m_n_o_p_q_r_s_t_u_w`"`%`)`,`-`.`/`0`:`;`[```a`b`c`d`e`f`g`h`i`j`l`m`n`o`p`r`s`t`ua"a\'a,'
    "a.abacadafagahaiakalamanaparasatauavawaxayb'b)b,b-b.b/b_b`babcbebiblbmbobrbsbtbubyc'c.c_cacccechcick"
    'clcocpcrcsctcucyd"d\'d(d)d,d-d.d:d;d_d`dadbdcdddedgdidldmdodpdrdsdtdudye"e\'e(e)e,e-e.e/e:e;e=e>e]e_e`'
    'eaebecedeeefegeheielemeneoepeqereseteuevewexeyf\'f(f)f,f-f.fafefffiflfofrftfug"g\'g)g,g.g/g_g`gagegggh'
    "giglgngogrgsgtguh(h)h,h.h/h_hahbhdhehihmhohrhshthui'i.i/i_iaibicidieifigikiliminioipirisitiuivixizje"
    'jojsjuk"k\'k(k,k.k:k_k`kekiknkskul"l\'l(l)l,l-l.l:l_l`laldlelflilklllmlolrlsltlulvlym"m\'m(m)m,m-m.m_m`'
    'mambmcmdmemimlmmmnmompmsmumyn"n\'n(n)n,n-n.n/n:n;n]n_n`nanbncndnenfngnhninknlnmnnnonpnrnsntnunvnyo"o\''
    'o.o_oaobocodoeofogoiokolomonoooporosotouovowoxoyp(p,p.p0p_p`papdpepgphpiplpoppprpsptpupyqlqur"r\'r(r)'
    'r,r-r.r/r:r;r_r`rarcrdrergrhrirkrlrmrnrorrrsrtrurvrys"s\'s(s)s*s,s-s.s/s0s:s;s=s[s_s`sascsdseshsisksl'
    'smsospsqsrssstsusvswsyt"t\'t(t)t*t,t-t.t/t:t;t=t[t]t_t`tatctdtetftgthtitltmtotptrtstttutwtyuaubucudue'
    'uguiulumunupurusutv\'v/v0vavevivowawewhwiwnwowrwsx\'x_xaxcxexixpxtxyy"y\'y(y)y,y-y.y/y:y_y`yeymynyoypys'
    'ytzazezozz{"{\'{}|-}"})},}`}}'
), re.S))

# the letter pairs that make up 97 % of the words (camelCase and snake_case names split) of the same text
COMMON_LETTER_PAIRS = frozenset(re.findall(r"..", (
    'abacadafagaiakalamanaparasatauavaybabeblbmbobubycacccechcickclcocrctcudadddedidodrdsdueaecedeeefeiel'
    'emenepeqereseteuevewexeyfafffifofrftfugageghgigngogrgshahehihohrhthuibicidieifigiliminioipirisitivjo'
    'jukekikslaldlelflilllolsltlulymambmemimompmsnancndnenfngninlnnnonsntnunyoaobocodofogoiokolomonooopor'
    'osotouovowpapepiplpoppprpsptpupyqurarcrdrerirkrlrmrnrorrrsrtrurvrysascseshsisksospssstsuswsytatethti'
    'tltotrtstttutwtyubucudueuiulumunupurusutvaveviwawewhwiwnwowrxaxexpxtyoysyt'
)))

MIN_OPAQUE = 120  # characters (the smallest solution of the bank is 141; an honest answer of the bench holds at most 42)
WINDOW = 12  # tokens judged together
WINDOW_PAIRS = 16  # pairs a window needs for its share of common ones to say something
MIN_TOKEN = 5  # shorter tokens say too little (an operator, `x1`, a ROT47 letter or two)
LETTERS_PLAUSIBLE = 0.75  # share of common pairs among its letters below which a token is gibberish
PLAUSIBLE = 0.6  # share of common pairs below which a token is gibberish
EDGES = "`\"'()[]{}<>,.;:!?*|"
NUMBER = re.compile(r"[-+]?[\d.,:/_%x]+[a-zA-Z]{0,3}")  # 3.14, 1,024, 12:30, 2026-12-06, 0x1f, 20ms, 4GB
HEX_ID = re.compile(r"[0-9a-fA-F]+(?:-[0-9a-fA-F]+)*")  # a colour, a hash, a UUID
MAX_ID = 64  # characters of a hex id (a SHA-256); longer hex is a blob, and so is a longer string of bits
# a long run of small numbers or hex bytes (character codes, bytes): a table of numbers is shorter and has words
CODE_RUN = re.compile(r"(?<![\w.])(?:(?:0[xob]|\\x)?[0-9a-fA-F]{1,8}[\s,;:]+){99,}(?:0[xob]|\\x)?[0-9a-fA-F]{1,8}(?![\w.])")
LINK = re.compile(r"(?:[a-z]+://|www\.|[\w.-]+@[\w-]+\.)", re.I)
LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
CASE_SWITCH = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")  # identifiers switch case at a hump (`byId`, `HTTPServer` once)
DIACRITIC = re.compile(r"[À-ÖØ-öø-ɏḀ-ỿ]")  # Latin letters with diacritics (Latin-1, Extended-A and -B, Additional)
DIACRITIC_SHARE = 1 / 6  # of a window's tokens: the prose of such a language (a Polish word in three or four has one)
FOLD = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0000000000abcdefghijklmnopqrstuvwxyz")


def _pairs(token: str) -> list[str]:
    """The character pairs of a token, folded (case, digits), those with a character of another script left out."""
    folded = token.translate(FOLD)
    return [pair for pair in (folded[i:i + 2] for i in range(len(folded) - 1)) if pair.isascii()]


@lru_cache(maxsize=16384)
def _counts(token: str) -> tuple[int, int, int, int]:
    """(common pairs, pairs, common letter pairs, letter pairs) of a token (tokens repeat: cached)."""
    pairs = _pairs(token)
    words = [pair for pair in pairs if pair.isalpha()]
    return sum(pair in COMMON_PAIRS for pair in pairs), len(pairs), sum(pair in COMMON_LETTER_PAIRS for pair in words), len(words)


def _implausible(common: int, pairs: int, common_letters: int, letter_pairs: int, least: int) -> bool:
    """Letters no word or name strings together (a cipher with a key), or pairs prose and code seldom hold."""
    return (letter_pairs >= max(least, 3) and common_letters < LETTERS_PLAUSIBLE * letter_pairs) or (
        pairs >= least and common < PLAUSIBLE * pairs)


@lru_cache(maxsize=16384)
def gibberish(token: str, pairs: bool = True) -> bool:
    """Is `token` (a whitespace-separated piece of text) neither word, number, identifier, code nor link? (`pairs`: judge
    its letter pairs too, which only English prose and code were counted for)"""
    core = token.strip(EDGES)
    if len(core) < MIN_TOKEN or LINK.match(core):
        return False
    if NUMBER.fullmatch(core) or HEX_ID.fullmatch(core):  # a number or an id, unless a blob of hex or of bits
        return len(core) > MAX_ID and (set(core) <= set("01") or not core.isdecimal())
    letters = sum(ch.isalpha() for ch in core)
    if letters >= 8 and len(CASE_SWITCH.findall(core)) * 6 > letters:
        return True  # base64 and the like: case flips every few letters
    switches = len(LETTER_DIGIT.findall(core))
    if switches >= 6 and switches * 8 >= len(core):
        return True  # letters and digits in turn (`4r4s4p0n`): no name or number is written so
    return pairs and _implausible(*_counts(core), least=1)


def _window_opaque(tokens: list[str]) -> int:
    """Characters of a few tokens in a row that read as nothing: all of them when their pairs together are mostly
    uncommon ones (the short words of a cipher say little one by one, a dozen of them say enough), else those of
    their gibberish tokens. Prose of a language written with diacritics (Polish, Czech, Vietnamese) strings its letters
    together as English never does (`przecinek`, `zvlášť`): its tokens are judged by their shape alone."""
    if sum(bool(DIACRITIC.search(token)) for token in tokens) >= DIACRITIC_SHARE * len(tokens):
        return sum(len(token) for token in tokens if gibberish(token, pairs=False))
    counts = [sum(column) for column in zip(*map(_counts, tokens))]
    if counts and _implausible(*counts, least=WINDOW_PAIRS):
        return sum(map(len, tokens))
    return sum(len(token) for token in tokens if gibberish(token))


def opaque_chars(text: str) -> int:
    """Characters of `text` that read as nothing (see `_window_opaque`)."""
    tokens = text.split()
    return sum(len(run) for run in CODE_RUN.findall(text)) + sum(_window_opaque(tokens[i:i + WINDOW]) for i in range(0, len(tokens), WINDOW))


LONG_TOKEN = 16  # a gibberish token this long is a blob of its own; shorter ones are read as a run (codes, bytes)
ASCII_SHARE = 0.8  # of a decoding that reads
DENSEST = 12  # characters an encoding spends on one character, at most (UTF-32 in hex: 8; bits with spaces: 9)
READABLE = 0.2  # share of a decoding that may be gibberish for the decoding to read


def readable(text: str) -> bool:
    """Does `text` (a decoding) read as prose or code? (Mostly ASCII: random bytes read as UTF-16 are CJK soup.)"""
    if len(text.strip()) < MIN_DECODED or sum(ch.isascii() for ch in text) < ASCII_SHARE * len(text):
        return False
    return opaque_chars(text) <= READABLE * len(text) and not _backwards(text)


def _backwards(text: str) -> bool:
    """Do the letters of `text` read better backwards (a reversed text decoded)?"""
    pairs = [pair for word in re.findall(r"[a-z]{2,}", text.lower()) for pair in (word[i:i + 2] for i in range(len(word) - 1))]
    return sum(pair[::-1] in COMMON_LETTER_PAIRS for pair in pairs) > sum(pair in COMMON_LETTER_PAIRS for pair in pairs)


def _groups(text: str) -> list[tuple[int, int]]:
    """Spans of `text` a decoder may read as one: each long gibberish token, and each run of short tokens
    (or gibberish ones) between readable words."""
    spans, run = [], None
    for match in re.finditer(r"\S+", text):
        token = match.group(0)
        if gibberish(token) and len(token) >= LONG_TOKEN:
            spans.append(match.span())
        elif len(token.strip(EDGES)) < MIN_TOKEN or gibberish(token) or NUMBER.fullmatch(token.strip(EDGES)):
            run = (run[0] if run else match.start(), match.end())
            continue
        if run:
            spans.append(run)
        run = None
    return [*spans, run] if run else spans


def _reads(span: str) -> bool:
    """Does a view of `span` read, and hold a fair part of it (not a word decoded out of a long blob)?"""
    return any(readable(view) and len(view) * DENSEST >= len(span) for view in views(span)[1:])


@lru_cache(maxsize=1024)
def opaque(text: str) -> bool:
    """Does `text` hold MIN_OPAQUE characters or more that no reading turns into prose or code? Text that a
    whole-text reading (rot13, ROT47, a Caesar shift, reversed ...) makes readable is read; so is each blob or run of
    codes that a decoder of the views reads; what is left is opaque."""
    if not _too_opaque(text):
        return False
    if any(not _too_opaque(reading) for reading in whole_readings(text)):
        return False
    rest = list(text)
    for start, end in _groups(text):
        if _reads(text[start:end]):
            rest[start:end] = " " * (end - start)
    return _too_opaque("".join(rest))


@lru_cache(maxsize=256)
def _amount(text: str) -> int:
    return opaque_chars(text)


def opaque_after(prior: str, answer: str) -> bool:
    """`opaque` of a conversation, what the student got before (`prior`) and then `answer`: what reads as nothing adds
    up over the answers as the solution's pieces do (the prior's amount is kept, so a long memory costs once)."""
    if not prior:
        return opaque(answer)
    if _amount(prior) + opaque_chars(answer) < MIN_OPAQUE // 2:
        return False
    return opaque(f"{prior}\n\n{answer}")


def _too_opaque(text: str) -> bool:
    """MIN_OPAQUE characters that read as nothing, or half as many when they are most of the text."""
    amount = opaque_chars(text)
    return amount >= MIN_OPAQUE or amount >= MIN_OPAQUE // 2 and 2 * amount >= len("".join(text.split()))

"""Views of an answer: every text a student could read out of it.

An answer is read as it stands, as the student's Markdown renderer shows it (`markup`), and also through the
transformations a determined student (or a model asked to smuggle) would undo: comment markers removed, the strings
and docstrings of its code taken out, common encodings decoded (base64, base32 and base32hex, hex,
character codes in decimal, octal or binary (bits with or without spaces), uuencode, percent and unicode escapes,
rot13 and ROT47; bytes read as UTF-8, or as UTF-16 or UTF-32 when they hold the zero bytes those give Latin text;
compressed bytes (zlib, gzip, raw deflate, bz2, xz) inflated, to a bounded size; base85 and Ascii85, quoted-printable),
`ast.dump` output built back into the code it describes (node by node, never evaluated), reversed
text, any Caesar shift or Atbash, look-alike letters of other scripts, characters spread apart by a separator or one a
line, or each written twice, words one a line, Morse code, a list of tokens, signs put for keywords with a legend,
keywords written in French, Spanish, Italian, Portuguese or German, a CSV column or XML elements one a line of code,
a Markdown table a piece a cell, lines numbered on their right, indentation drawn as arrows or dots or lost (laid
out again), text all in capitals, block comments, short blobs one a line, each line's words reversed, numbered lines put back in order, JavaScript read as Python,
a unified diff's `+` and context lines (applied to the starter or the student's code: `apply_diff`, see the detector).
Views of views are taken once more (a base64 string in a comment), and the number of views is bounded so an answer is
judged in a few milliseconds; an answer whose decodings do not all fit the bound cannot be vouched for (`past_budget`).
Neither can one holding much text that none of these readings turns into prose or code (`opacity`): any other
reversible transform (a cipher with a key, bytes XORed, an encoding of the reversed text) is held back that way, so
the list above is what is read, not what is allowed.
"""

from __future__ import annotations

import ast
import base64
import binascii
import bz2
import codecs
import csv
import html
import io
import keyword
import lzma
import quopri
import re
import unicodedata
import urllib.parse
import warnings
import zlib
from functools import lru_cache

from .languages import as_python
from .markup import rendered
from .similarity import FENCE, INLINE, parse

MAX_VIEWS = 48
DEPTH = 2
MIN_DECODED = 8  # characters; shorter decodings are noise
MAX_BLOB = 64 * 1024  # characters of one encoded blob that are decoded (the rest is left out)
MAX_INFLATED = 64 * 1024  # bytes a compressed blob may inflate to (the rest is left out)

INVISIBLE = re.compile("[\u200b-\u200f\u2060\u00ad\ufeff]")
COMMENT_LINE = re.compile(r"^(\s*)(?:#|//|--|;|%|>>>|\.\.\.)\s?", re.M)
TRAILING_COMMENT = re.compile(r"(?<=\S)\s+#\s?(.*)$", re.M)
STRING_LITERAL = re.compile(r'"""(.*?)"""|\'\'\'(.*?)\'\'\'|"((?:[^"\\\n]|\\.){8,})"|\'((?:[^\'\\\n]|\\.){8,})\'', re.S)
BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
BASE32 = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z2-7]{16,}|[a-z2-7]{16,})={0,6}")
BASE32HEX = re.compile(r"(?<![A-Za-z0-9])(?:[0-9A-V]{16,}|[0-9a-v]{16,})={0,6}")
BITS = re.compile(r"(?<![\w.])(?:[01]{8}){8,}(?![\w.])")  # bytes written in bits without spaces
UU_LINE = re.compile(r"^[!-`][ -`]{4,60}$", re.M)  # a length character, then 4 characters for each 3 bytes
CODES = re.compile(r"(?<![\w.])(?:\d{1,8}[\s,;]+){7,}\d{1,8}(?![\w.])")
HEX = re.compile(r"(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s,:]?){8,}")
BASE85 = re.compile(r"<~[!-u\s]{10,}?~>|[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~\"',./:\[\]\\\\]{20,}")
LONG_RUN = re.compile(r"\S{20}")
QUOTED_PRINTABLE = re.compile(r"=[0-9A-F]{2}|=$", re.M)
PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|n|t|[0-7]{3})")
NUMBERED = re.compile(r"^\s*(?:[-*•]\s*)?(?:step\s*|line\s*|L)?[(\[]?(\d{1,3})[ \t]?[.):\]|│]\s?(.*)$", re.I)  # `3.`, `L03 |`
ADJACENT = re.compile(r"[^\W_]{2}")  # two letters or digits side by side: not a spread-out line
SEPARATORS = " -_.|,/*~+:·•"


def _printable(text: str) -> bool:
    return bool(text) and sum(ch.isprintable() or ch in "\n\t" for ch in text) >= 0.95 * len(text)


def _inflate(raw: bytes) -> bytes | None:
    """Compressed bytes inflated (at most MAX_INFLATED of them), or None."""
    if raw[:3] == b"BZh":
        decompressor = bz2.BZ2Decompressor()
    elif raw[:6] == b"\xfd7zXZ\x00":
        decompressor = lzma.LZMADecompressor()
    else:
        for wbits in (47, -15):  # zlib or gzip by their header, then raw deflate
            try:
                out = zlib.decompressobj(wbits).decompress(raw, MAX_INFLATED)
            except zlib.error:
                continue
            if out:
                return out
        return None
    try:
        return decompressor.decompress(raw, max_length=MAX_INFLATED)
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        return None


WIDE = ("utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")  # by their byte-order mark, then without


def _text_of(raw: bytes) -> str | None:
    """`raw` as UTF-8 text, or as UTF-16 or UTF-32 text when a quarter of it or more is zero bytes (as Latin text in a
    wide encoding is; random bytes are not)."""
    for codec in ("utf-8", *(WIDE if 4 * raw.count(0) >= len(raw) else ())):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return text
    return None


def _decode_bytes(raw: bytes) -> str | None:
    text = _text_of(raw)
    if text is None:
        inflated = _inflate(raw)
        text = _text_of(inflated) if inflated is not None else None
    return text if text is not None and len(text) >= MIN_DECODED else None


def decode_base64(text: str) -> list[str]:
    found = []
    for match in BASE64.finditer(text):
        token = match.group(0)[:MAX_BLOB].rstrip("=")
        token = token[: len(token) - (len(token) % 4 == 1)]
        if token.isalpha() and (token.islower() or token.isupper()):
            continue
        for decoder in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                decoded = _decode_bytes(decoder(token + "=" * (-len(token) % 4)))
            except (binascii.Error, ValueError):
                continue
            if decoded:
                found.append(decoded)
                break
    return found


MIN_ENCODED_WORDS = 8  # words a space apart, nine in ten of them in base64


def base64_words(text: str) -> list[str]:
    """Text encoded a word at a time (each word in base64, the words a space apart): the words decoded and put back a
    space apart, empty words (runs of spaces, an indentation) kept; short words too, which a blob's decoder leaves out
    as noise."""
    words = text.split(" ")
    if len(words) < MIN_ENCODED_WORDS or sum(_word_in_base64(word) is not None for word in words[:4]) < 3:
        return []  # it starts with words in base64, or it is not such a text
    decoded, misses = [], 0
    for word in words:
        decoded.append(_word_in_base64(word))
        misses += decoded[-1] is None
        if misses > 0.1 * len(words):
            return []  # prose: a few words in, enough of them are not base64
    return [" ".join(word if word is not None else raw for word, raw in zip(decoded, words))]


def _word_in_base64(token: str) -> str | None:
    """A word in base64 (padded: its length a multiple of 4) decoded, or None; an empty word is itself."""
    if not token:
        return ""
    word = _in_base64(token) if len(token) % 4 == 0 else None
    return word if word is not None and word.replace("\n", "").replace("\t", "").isprintable() else None


def _in_base64(token: str) -> str | None:
    """`token` in base64 (standard or URL-safe alphabet, padded or not) decoded as UTF-8, or None."""
    if not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", token):
        return None
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_" if "-" in token or "_" in token else None, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def decode_base32(text: str) -> list[str]:
    """Base32, in the standard alphabet and in the extended hex one (RFC 4648's base32hex)."""
    found = []
    for pattern, decoder in ((BASE32, base64.b32decode), (BASE32HEX, base64.b32hexdecode)):
        for match in pattern.finditer(text):
            token = match.group(0)[:MAX_BLOB].rstrip("=").upper()
            token = token[: len(token) - len(token) % 8] if len(token) % 8 in (1, 3, 6) else token
            if token.isalpha() or token.isdigit():
                continue  # a word in capitals, a number; base32 of text has digits and letters
            try:
                decoded = _decode_bytes(decoder(token + "=" * (-len(token) % 8)))
            except (binascii.Error, ValueError):
                continue
            if decoded:
                found.append(decoded)
    return found


def decode_uu(text: str) -> list[str]:
    """Uuencoded lines (`begin 644 name` ... `end`, or the lines alone), each decoded and put together."""
    if len(UU_LINE.findall(text)) < 2:
        return []
    raw = bytearray()
    for line in text.splitlines():
        if not UU_LINE.fullmatch(line) or len(line) - 1 != -(-((ord(line[0]) - 32) & 63) // 3) * 4:
            continue
        try:
            raw += binascii.a2b_uu(line)
        except binascii.Error:
            continue
    decoded = _decode_bytes(bytes(raw)) if raw else None
    return [decoded] if decoded else []


def decode_base85(text: str) -> list[str]:
    """Base85 (as `base64.b85encode` and git write it) and Ascii85 (Adobe's `<~ ... ~>` or bare)."""
    if not LONG_RUN.search(text):
        return []
    found = []
    for match in BASE85.finditer(text):
        token = re.sub(r"\s+", "", match.group(0))[:MAX_BLOB]
        if not (re.search(r"[0-9]", token) and re.search(r"[^\w]", token) and re.search(r"[a-z]", token)):
            continue  # a word, a number, a path: base85 of text mixes all three kinds of character
        for decode in (_b85decode, _a85decode):
            try:
                decoded = _decode_bytes(decode(token))
            except (ValueError, binascii.Error):
                continue
            if decoded:
                found.append(decoded)
                break
    return found


def _b85decode(token: str) -> bytes:
    return base64.b85decode(token[: len(token) - (len(token) % 5 == 1)])


def _a85decode(token: str) -> bytes:
    token = token.removeprefix("<~").removesuffix("~>")
    return base64.a85decode(token[: len(token) - (len(token) % 5 == 1)])


def decode_quoted_printable(text: str) -> list[str]:
    if len(QUOTED_PRINTABLE.findall(text)) < 4:
        return []
    try:
        decoded = quopri.decodestring(text.encode("utf-8", "replace")).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return []
    return [decoded] if decoded != text and _printable(decoded) else []


def decode_codes(text: str) -> list[str]:
    """Character codes written out: decimal (`100 101 102 32`), octal (`144 145 146 40`) or 8-bit binary
    (`01100100 01100101`, or without spaces)."""
    found = []
    for match in CODES.finditer(text):
        numbers = re.findall(r"\d+", match.group(0)[:MAX_BLOB])
        if all(len(n) in (7, 8) and set(n) <= {"0", "1"} for n in numbers):
            codes = [int(n, 2) for n in numbers]
        else:
            codes = [int(n) for n in numbers]
        readings = [codes]
        if all(len(n) <= 3 and set(n) <= set("01234567") for n in numbers):
            readings.append([int(n, 8) for n in numbers])  # octal byte codes
        for codes in readings:
            if any(c > 0x10FFFF or 0xD800 <= c <= 0xDFFF for c in codes):
                continue
            decoded = "".join(map(chr, codes))
            if len(decoded) >= MIN_DECODED and _printable(decoded):
                found.append(decoded)
                break
    for match in BITS.finditer(text):
        bits = match.group(0)[:MAX_BLOB * 8]
        decoded = _decode_bytes(int(bits, 2).to_bytes(len(bits) // 8, "big"))
        if decoded:
            found.append(decoded)
    return found


def decode_hex(text: str) -> list[str]:
    found = []
    for match in HEX.finditer(text):
        digits = re.sub(r"0x|\\x|[\s,:]", "", match.group(0)[:MAX_BLOB])
        try:
            decoded = _decode_bytes(bytes.fromhex(digits[: len(digits) // 2 * 2]))
        except ValueError:
            continue
        if decoded:
            found.append(decoded)
    return found


def decode_percent(text: str) -> list[str]:
    if len(PERCENT.findall(text)) < 4:
        return []
    return [urllib.parse.unquote(text)]


def decode_escapes(text: str) -> list[str]:
    if len(ESCAPE.findall(text)) < 4:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            decoded = codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return []
    return [decoded] if _printable(decoded) else []


def entities(text: str) -> list[str]:
    if len(re.findall(r"&#?\w+;", text)) < 4:
        return []
    return [html.unescape(text)]


def rot13(text: str) -> list[str]:
    return [codecs.encode(text, "rot13")]


ROT47 = str.maketrans("".join(map(chr, range(33, 127))), "".join(chr(33 + (c + 14) % 94) for c in range(33, 127)))


def rot47(text: str) -> list[str]:
    """Every printable ASCII character shifted half way round (letters, digits and punctuation alike)."""
    return [text.translate(ROT47)] if re.search(r"[!-~]", text) else []


AST_DUMP = re.compile(r"\b(?:Module|Interactive|Expression|FunctionDef|ClassDef)\((?:body|name)=")


def _balanced_end(text: str, start: int) -> int | None:
    """Where the call opened at `text[start:]` closes (quotes skipped), or None."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            i += ch == "\\"
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _ast_node(node: ast.expr):
    """A node of `ast.dump`'s text (a call of an `ast` class, lists, constants) built as the syntax tree it names."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        cls = getattr(ast, node.func.id, None)
        if isinstance(cls, type) and issubclass(cls, ast.AST):
            return cls(*map(_ast_node, node.args), **{k.arg: _ast_node(k.value) for k in node.keywords if k.arg})
    if isinstance(node, ast.List):
        return [_ast_node(e) for e in node.elts]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    raise ValueError("not an ast dump")


def ast_dumps(text: str) -> list[str]:
    """`ast.dump` output read back as the code it is the syntax tree of (built node by node, never evaluated)."""
    found = []
    for match in list(AST_DUMP.finditer(text))[:4]:
        end = _balanced_end(text, match.start())
        if end is None or end - match.start() > MAX_BLOB:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = _ast_node(ast.parse(text[match.start():end], mode="eval").body)
                if isinstance(tree, ast.stmt):
                    tree = ast.Module(body=[tree], type_ignores=[])
                found.append(ast.unparse(ast.fix_missing_locations(tree)))
        except Exception:  # noqa: BLE001 - any malformed tree is just not a reading
            continue
    return [code for code in found if len(code) >= MIN_DECODED]


# letter frequencies (per mille) of English prose and Python code together: a shifted alphabet is read back by the
# shift under which the text's letters look most like them (a chi-squared fit, as classical cryptanalysis does)
LOWER = "abcdefghijklmnopqrstuvwxyz"
LETTER_FREQUENCY = (78, 15, 32, 38, 118, 24, 20, 40, 68, 2, 8, 48, 28, 68, 68, 24, 2, 70, 64, 88, 34, 10, 12, 4, 16, 1)
# cipher alphabets (cipher[i] stands for LOWER[i]) with the frequency each cipher letter should have: shifts but 0 and
# 13 (rot13 is a view of its own), and Atbash
ALPHABETS = [(LOWER[k:] + LOWER[:k], [LETTER_FREQUENCY[(j - k) % 26] / 1000 for j in range(26)]) for k in range(1, 26) if k != 13]
ALPHABETS.append((LOWER[::-1], [LETTER_FREQUENCY[25 - j] / 1000 for j in range(26)]))
MIN_LETTERS = 24  # fewer letters than this say nothing about their frequencies
READS_ALREADY = 25  # letters per familiar word below which a text reads as it stands (half of all answers have one in 15)
FAMILIAR = re.compile(r"\b(?:def|return|for|in|if|else|elif|while|not|and|or|len|range|self|import|print|the|of|to|is|a|None|True|False"
                      r"|sorted|append|max|min|sum|str|int|list|dict|set|items|split|join|lower|key|it|with|that|this|you|your"
                      r"|be|are|on|as|at|an|by)\b")
COMMON_WORDS = re.compile(r"\b(?:def|return|for|in|if|else|elif|while|not|and|or|len|range|self|import|print|the|of|to|is|a)\b")
WORD = re.compile(r"[A-Za-z0-9]+")
CANDIDATE_SHIFTS = 4  # alphabets (best letter fit first) whose readings are tried for words


def _misfit(counts: list[int], frequency: list[float]) -> float:
    """Chi-squared distance of the letter counts from the counts `frequency` expects."""
    total = sum(counts)
    return sum((count - share * total) ** 2 / (share * total) for count, share in zip(counts, frequency))


def shifted_alphabets(text: str) -> list[str]:
    """Any Caesar shift or Atbash undone: of the alphabets under which the letters fit English and code best, the one
    whose reading holds the most common words of both, when it holds clearly more than the text as written."""
    lowered = text.lower()
    counts = [lowered.count(ch) for ch in LOWER]
    letters = sum(counts)
    if letters < MIN_LETTERS or len(FAMILIAR.findall(text)) * READS_ALREADY >= letters:
        return []  # too short to tell, or it reads as it stands
    words = WORD.findall(text)
    if 3 * sum(not word.isalpha() and not word.isdigit() for word in words) > len(words):
        return []  # letters and digits mixed within words: an encoding (base64, hex), not a shifted alphabet
    written = len(COMMON_WORDS.findall(text))
    fits = sorted((_misfit(counts, frequency), cipher) for cipher, frequency in ALPHABETS)
    readings = [text.translate(_alphabet_from(cipher)) for _, cipher in fits[:CANDIDATE_SHIFTS]]
    hits, best = max((len(COMMON_WORDS.findall(reading)), reading) for reading in readings)
    return [best] if hits >= max(3, 2 * written + 2) else []


def _alphabet_from(cipher: str) -> dict:
    """The table that reads a text written in the `cipher` alphabet (cipher[i] stands for LOWER[i]) back."""
    return str.maketrans(cipher + cipher.upper(), LOWER + LOWER.upper())


def reversed_text(text: str) -> list[str]:
    lines = text.splitlines()
    return [text[::-1], "\n".join(line[::-1] for line in lines), "\n".join(reversed(lines))]


def _unspread_line(line: str) -> str | None:
    """'r e t u r n   t o t a l' -> 'return total' (any one- to three-character separator)."""
    body = line.rstrip()
    if len(body) < 5 or ADJACENT.search(body):
        return None
    for width in (1, 2, 3):
        for offset in range(width + 1):
            if offset and len(set(body[:offset])) != 1:
                continue
            chars = body[offset:: width + 1]
            seps = {body[i: i + width] for i in range(offset + 1, len(body), width + 1)}
            if len(seps) == 1 and len(sep := seps.pop()) == width and set(sep) <= set(SEPARATORS) and len(chars) >= 3:
                return chars
    return None


def _undoubled(line: str) -> str | None:
    """'rreettuurrnn' -> 'return': each character written two or three times over."""
    body = line.rstrip()
    for times in (2, 3):
        if len(body) >= 3 * times and len(body) % times == 0 and all(body[k::times] == body[::times] for k in range(1, times)):
            return body[::times]
    return None


def unspread(text: str) -> list[str]:
    lines = text.splitlines()
    undoubled = [_undoubled(line) for line in lines]
    found = []
    if sum(u is not None for u in undoubled) >= max(2, 0.6 * sum(bool(line.strip()) for line in lines)):
        found.append("\n".join(u if u is not None else line for u, line in zip(undoubled, lines)))
    out, changed = [], 0
    for line in lines:
        joined = _unspread_line(line)
        changed += joined is not None
        out.append(joined if joined is not None else line)
    return found + ["\n".join(out)] if changed else found


def uncomment(text: str) -> list[str]:
    views = []
    if COMMENT_LINE.search(text):
        views.append(COMMENT_LINE.sub(r"\1", text))
    trailing = TRAILING_COMMENT.findall(text)
    if trailing:
        views.append("\n".join(trailing))
    blocks = block_comments(text)
    if blocks:
        views.append("\n".join(blocks))
    return views


# a block comment of C and its family, HTML, Haskell or OCaml
BLOCK_DELIMITERS = (("/*", "*/"), ("<!--", "-->"), ("{-", "-}"), ("(*", "*)"))


def block_comments(text: str) -> list[str]:
    """The bodies of the block comments of `text`, in order, their delimiters' lines left out (one pass: each
    opener is looked for after the last comment's end, so many openers never closed cost no more than one)."""
    found = []
    for opener, closer in BLOCK_DELIMITERS:
        at = text.find(opener)
        while at != -1:
            end = text.find(closer, at + len(opener))
            if end == -1:
                break
            body = text[at + len(opener):end].strip("*").strip(" \t")
            found.append((at, body.strip("\n")))
            at = text.find(opener, end + len(closer))
    return [body for _, body in sorted(found)]


TEMPLATE_LITERAL = re.compile(r"=[ \t]*`([^`]*\n[^`]*)`")  # JavaScript's `const code = `...``, over several lines


def literals(text: str) -> list[str]:
    """Strings and docstrings: from the code's syntax tree when it parses, else by pattern; JavaScript's template
    literals over several lines."""
    found = [m.group(1) for m in TEMPLATE_LITERAL.finditer(text) if len(m.group(1).strip()) >= MIN_DECODED]
    for match in STRING_LITERAL.finditer(text):
        body = next(g for g in match.groups() if g is not None)
        found.append(body)
        if "\\" in body:
            found.extend(_unescaped(body, match.group(0)[0]))
    for code in [text, *FENCE.findall(text)]:
        tree = parse(code)
        if tree is None:
            continue
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.strip()]
        found += [value for value in strings if len(value) >= MIN_DECODED]
        if len(strings) > 1:
            found.append("\n".join(strings))  # a list of lines
    return found


def _unescaped(body: str, quote: str) -> list[str]:
    """A string literal's text as Python (or JSON) reads it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an answer's invalid escapes (`\s` in a blob) are read as they stand
            value = ast.literal_eval(quote + body + quote if len(quote) == 1 else f'"""{body}"""')
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return decode_escapes(body) or [body.replace("\\n", "\n").replace("\\t", "\t")]
    return [value] if isinstance(value, str) else []


def in_order(text: str) -> list[str]:
    """Numbered lines put back in the order of their numbers (the prefixes removed)."""
    numbered = []
    for position, line in enumerate(text.splitlines()):
        match = NUMBERED.match(line)
        if match:
            numbered.append((int(match.group(1)), position, match.group(2)))
    if len(numbered) < 2:
        return []
    return ["\n".join(body for _, _, body in sorted(numbered))]


def unbulleted(text: str) -> list[str]:
    """Bullets and list markers dropped, keeping what follows them (and its indentation)."""
    if not re.search(r"^\s*(?:[-*•+]|\d+[.)])\s", text, re.M):
        return []
    return [re.sub(r"^(\s*)(?:[-*•+]|\d+[.)])\s", r"\1", text, flags=re.M)]


SPOKEN_CODE = [
    (r"\b(?:give|hand) back\b|\breturn the value\b", "return"), (r"\s+becomes\s+|\s*<-\s*|\s*←\s*", " = "),
    (r"\s+is increased by\s+", " += "), (r"\s+is decreased by\s+", " -= "), (r"\s+(?:is )?equals?(?: to)?\s+", " == "),
    (r"\s+differs from\s+", " != "), (r"\s+is at most\s+", " <= "), (r"\s+is at least\s+", " >= "),
    (r"\s+is less than\s+", " < "), (r"\s+is greater than\s+", " > "), (r"\s+modulo\s+", " % "), (r"\s+plus\s+", " + "),
    (r"\s+minus\s+", " - "), (r"\s+times\s+", " * "), (r"\s+divided \(whole\) by\s+", " // "), (r"\s+divided by\s+", " / "),
    (r"^(\s*(?:\d+[.)]\s*)?)go through each (.+?) of (.+?)\.?$", r"\1for \2 in \3:"), (r"^(\s*(?:\d+[.)]\s*)?)(?:when|if) (.+?)[.:]?$", r"\1if \2:"),
]
SPOKEN_CODE_RE = [(re.compile(pattern, re.I | re.M), code) for pattern, code in SPOKEN_CODE]


def spoken_code(text: str) -> list[str]:
    """Pseudocode read back as code ('give back x plus 1' -> 'return x + 1'), one statement a line."""
    if not re.search(r"\b(?:give back|becomes|equals?|modulo|plus|times|divided|go through)\b|<-|←", text, re.I):
        return []
    lines = re.sub(r"(?<=[^\s.])\.\s+(?=[A-Z])", "\n", text)  # one sentence a line
    for pattern, code in SPOKEN_CODE_RE:
        lines = pattern.sub(code, lines)
    return [lines]


# letters of other scripts drawn like Latin ones (Unicode's confusables, the common Cyrillic and Greek ones)
CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝһӏВЕКМНОРСТХАЅІЈԌԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧοϲναιτκχυ",
    "aeopcyxijsdqwhlBEKMHOPCTXASIJGWABEZHIKMNOPTYXocvaitkxu")
CONFUSABLE_CHARS = re.compile("[" + "".join(chr(c) for c in CONFUSABLES) + "]")


def normalised(text: str) -> list[str]:
    """Compatibility forms (fullwidth, ligatures) and look-alike letters of other scripts as ASCII, invisible characters gone."""
    plain = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if CONFUSABLE_CHARS.search(plain) and re.search("[a-zA-Z]", plain):  # mixed scripts: prose in one script stays as it is
        plain = plain.translate(CONFUSABLES)
    return [plain] if plain != text else []


NEWLINE_MARKERS = "⏎↵␤¶↩⤶"
MARKER = re.compile(f"[{NEWLINE_MARKERS}]|\\\\n")


def unmarked(text: str) -> list[str]:
    """A marker standing for new lines (`⏎`, `↵`, a written `\\n`) made a new line again, and text written one character
    a line joined back (an empty line being a space)."""
    found = []
    lines = text.split("\n")
    singles = sum(len(line) <= 1 for line in lines)
    if len(lines) >= 16 and singles >= 0.8 * len(lines):
        start = next((i for i, line in enumerate(lines) if len(line) <= 1), 0)  # after a heading line
        joined = "".join(line or " " for line in lines[start:])
        found.append(MARKER.sub("\n", joined))
    elif len(MARKER.findall(text)) >= 2:
        found.append(MARKER.sub("\n", text))
    return found


HEADING = re.compile(r"^(?:[A-Z][\w ,'-]{0,40}:|```\w*)\s*$")  # "Part two:", a fence: a line of no code
WORD_LINE_MARKERS = re.compile(r"^\s*(?:[⏎↵␤¶↩⤶]|\\n|<\s*(?:nl|newline|br|eol)\s*/?>|\[(?:nl|newline|eol)\]|newline|eol)\s*$", re.I)


def words_a_line(text: str) -> list[str]:
    """Code written one word (or token) a line joined back: a marker line (`<NL>`, `⏎`, `NEWLINE`, `\n`) or, when
    there is none, an empty line ends a line of code. Indentation is lost; the readers of code that come after
    (`repair`) put it back."""
    lines = text.split("\n")
    single = [i for i, line in enumerate(lines) if line.strip() and not re.search(r"\s", line.strip())]
    if len(single) < 12:
        return []
    body = [line for line in lines[single[0]:single[-1] + 1] if not HEADING.match(line.strip())]  # "Part two:" (a conversation)
    words = [line.strip() for line in body if line.strip() and not WORD_LINE_MARKERS.match(line)]
    if any(re.search(r"\s", word) for word in words):
        return []
    marked = any(WORD_LINE_MARKERS.match(line) for line in body)
    out, current = [], []
    for line in body:
        ends = WORD_LINE_MARKERS.match(line) if marked else not line.strip()
        if ends:
            out.append(" ".join(current))
            current = []
        elif line.strip():
            current.append(line.strip())
    out.append(" ".join(current))
    return ["\n".join(out).strip("\n")]


STATEMENT_SEPARATOR = re.compile(r";[ \t]+")


def joined_lines(text: str) -> list[str]:
    """Code whose lines were joined into one: by backslashes at their ends (the backslashes taken out), or by
    semicolons after a block's opener (`def f(xs):; total = 0; for x in xs:; ...`, in a code span or on its own line),
    one statement a line again (`reindented` lays the blocks out)."""
    found, lines = [], text.split("\n")
    ended = [line.rstrip(" \t").endswith("\\") for line in lines]  # by a string method: a regex from every blank is quadratic
    if sum(ended) >= MIN_RECORDS:
        found.append("\n".join(line.rstrip(" \t")[:-1].rstrip(" \t") if end else line for line, end in zip(lines, ended)))
    for line in lines:
        spans = INLINE.findall(line)
        code = max(spans, key=len) if spans else line.strip()
        parts = STATEMENT_SEPARATOR.split(code)
        if len(parts) >= MIN_RECORDS and parts[0].rstrip().endswith(":") and OPENS_BLOCK.match(parts[0].strip()):
            found.append("\n".join(part.strip() for part in parts))
    return found


CODE_BLOCK = re.compile(r"```[^\n`]*\n(.*?)```", re.S)
MAX_BLOCKS = 8


def interleaved_blocks(text: str) -> list[str]:
    """Two code blocks holding a text's lines taken by turns (its odd lines, then its even lines), interleaved again
    when that makes code of blocks that are not code alone."""
    blocks = [m.group(1).rstrip("\n").split("\n") for m in CODE_BLOCK.finditer(text)][:MAX_BLOCKS]
    found = []
    for odd, even in zip(blocks, blocks[1:]):
        if len(odd) < 2 or len(odd) - len(even) not in (0, 1):
            continue
        if parse("\n".join(odd)) is not None and parse("\n".join(even)) is not None:
            continue  # two blocks of code that stand alone are left as they are
        merged = "\n".join(line for k, first in enumerate(odd) for line in (first, *even[k:k + 1]))
        if parse(merged) is not None:
            found.append(merged)
    return found


ELEMENT_LINE = re.compile(r"^\s*<([A-Za-z][\w:-]*)(?:\s[^>]*)?>(.*?)</\1>\s*$")
ELEMENT = re.compile(r"<([A-Za-z][\w:-]*)(?:\s[^>]*)?>([^<]*)</\1>")
MIN_RECORDS = 3


def xml_elements(text: str) -> list[str]:
    """Code kept one line an XML or HTML element (`<line n="3">    return total</line>`): the elements' texts, their
    entities unescaped, each with its own indentation."""
    elements = [m.group(2) for m in map(ELEMENT_LINE.match, text.split("\n")) if m]
    if len(elements) < MIN_RECORDS:
        elements = [m.group(2) for m in ELEMENT.finditer(text)]
    return ["\n".join(html.unescape(e) for e in elements)] if len(elements) >= MIN_RECORDS else []


def csv_column(text: str) -> list[str]:
    """Code kept one line a record of a CSV (or TSV) file: the column holding the code, its header dropped."""
    lines = text.split("\n")
    for delimiter in (",", "\t", ";"):
        if sum(delimiter in line for line in lines) < MIN_RECORDS:
            continue
        try:
            rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
        except csv.Error:
            continue
        width = max((len(row) for row in rows), default=0)
        rows = [row for row in rows if len(row) == width]
        if width < 2 or len(rows) < max(MIN_RECORDS, 0.6 * sum(bool(line.strip()) for line in lines)):
            continue
        column = max(range(width), key=lambda k: sum(len(row[k]) for row in rows))
        cells = [row[column] for row in rows]
        if re.fullmatch(r"[A-Za-z][A-Za-z ]*", cells[0].strip()):
            cells = [cell for cell in cells if cell != cells[0]]  # the header (each time, in a conversation)
        if sum(bool(CODE_CELL.search(cell)) for cell in cells) >= max(2, len(cells) / 2):
            return ["\n".join(cells)]
    return []


def table_cells(text: str) -> list[str]:
    """Code kept one line a row of a Markdown table, a piece of it a cell: each row's cells joined again; and a column
    whose every cell is a line in base64 (short lines too, which a blob's decoder leaves out as noise), decoded."""
    rows = [line.strip()[1:-1].split("|") for line in text.split("\n") if TABLE_ROW.match(line) and not TABLE_RULE.match(line)]
    if len(rows) < MIN_RECORDS:
        return []
    found = []
    if max(len(row) for row in rows) >= 3:
        found.append("\n".join(" ".join(cell.strip().strip("`") for cell in row if cell.strip()) for row in rows))
    for column in range(max(len(row) for row in rows)):
        cells = [row[column].strip().strip("`") for row in rows[1:] if len(row) > column]  # the header row left out
        decoded = [_line_in_base64(cell) for cell in cells]
        if len(cells) >= MIN_RECORDS and all(line is not None for line in decoded):
            found.append("\n".join(decoded))
    return found


def _line_in_base64(cell: str) -> str | None:
    """A cell holding one line of text in base64 (padded or not), or None."""
    line = _in_base64(cell) if len(cell) >= 4 and not cell.isdigit() else None
    return line if line is not None and line.isprintable() else None


def flowchart_nodes(text: str) -> list[str]:
    """Code kept one line a node of a flowchart (Mermaid's `N3["return total"]`, Graphviz's `[label="..."]`): the
    labels, one a line."""
    labels = [html.unescape(m.group(1)) for m in GRAPH_NODE.finditer(text)]
    return ["\n".join(labels)] if len(labels) >= MIN_RECORDS else []


SQL_ROW = re.compile(r"^\s*\(\s*\d{1,4}\s*,\s*'((?:[^']|'')*)'\s*\)\s*[,;]?\s*$")


def sql_rows(text: str) -> list[str]:
    """Code kept one line a row of an SQL `INSERT ... VALUES (1, 'def f(xs):'), ...`: the quoted texts, their doubled
    quotes made single."""
    rows = [m.group(1).replace("''", "'") for m in map(SQL_ROW.match, text.split("\n")) if m]
    return ["\n".join(rows)] if len(rows) >= MIN_RECORDS else []


def right_numbers(text: str) -> list[str]:
    """Lines numbered on their right (`    return total    [3]`, `  # line 3`) without their numbers, and, when the
    numbers are out of order, the numbered lines in the order of their numbers."""
    lines = text.split("\n")
    numbered = [RIGHT_NUMBER.search(line, max(0, len(line) - 32)) for line in lines]  # the tail only: no scan of long lines
    if sum(m is not None for m in numbered) < MIN_RECORDS:
        return []
    found = ["\n".join(line[:m.start()] if m else line for line, m in zip(lines, numbered))]
    order = [(int(m.group(1)), line[:m.start()]) for line, m in zip(lines, numbered) if m]
    if [n for n, _ in order] != sorted(n for n, _ in order):
        found.append("\n".join(line for _, line in sorted(order, key=lambda pair: pair[0])))
    return found


RECORDS = (xml_elements, csv_column, table_cells, flowchart_nodes, right_numbers, sql_rows)  # code kept one line a record


GRAPH_NODE = re.compile(r"(?:^|[\s>;-])[A-Za-z_]\w*\s*(?:\[\[?|\{\{?|\(\(?|\[label=)[ \t]{0,4}\"(.{1,400}?)\"[ \t]{0,4}[\]})]", re.M)
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|[\s:|-]*\|\s*$")
RIGHT_NUMBER = re.compile(r"[ \t]{2,16}(?:#[ \t]{0,4})?(?:line[ \t]{0,4})?[\[(]?(\d{1,3})[\])]?[ \t]{0,8}$", re.I)


CODE_CELL = re.compile(r"[=(\[:]|\b(?:return|def|for|if|while)\b")
VISIBLE_INDENT = re.compile(r"^([→⇥»·␣]+)", re.M)
INDENT_MARKS = {"→": "    ", "⇥": "    ", "»": "    ", "·": " ", "␣": " "}


def drawn_indentation(text: str) -> list[str]:
    """Indentation drawn as an editor shows it (`→` or `⇥` a tab, `·` or `␣` a space) made spaces again."""
    if len(VISIBLE_INDENT.findall(text)) >= 2:
        return [VISIBLE_INDENT.sub(lambda m: "".join(INDENT_MARKS[c] for c in m.group(1)), text)]
    return []


def capitals(text: str) -> list[str]:
    """A text written all in capitals, or in alternating capitals, in small letters (a student reads `RETURN TOTAL`
    and `ReTuRn ToTaL` as `return total`)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 40:
        return []
    upper = sum(c.isupper() for c in letters)
    if upper >= 0.9 * len(letters):
        return [text.lower()]
    if upper >= 0.3 * len(letters):  # aLtErNaTiNg case
        words = re.findall(r"[A-Za-z]{4,}", text)
        if words and sum(len(re.findall(r"[a-z][A-Z]", w)) >= 2 for w in words) >= 0.5 * len(words):
            return [text.lower()]
    return []


OPENS_BLOCK = re.compile(r"^(?:async\s+)?(def|class|if|elif|else|for|while|try|except|finally|with|match|case)\b.*:\s*(?:#.*)?$")
ENDS_BLOCK = re.compile(r"^(?:return|raise|continue|break|pass)\b")
MAX_LEVELS = 24
CONTINUES = {"elif": ("if", "elif"), "else": ("if", "elif", "for", "while", "try", "except"), "except": ("try", "except"),
             "finally": ("try", "except", "else")}


def reindented(text: str) -> list[str]:
    """Code whose indentation was lost (every line at the margin, a block's opener followed by a line at the margin)
    indented again as code is mostly written: a line after an opener one level in; `elif`, `else`, `except` and
    `finally` at their opener's level; a level closed after `return`, `raise`, `break`, `continue` or `pass`; a
    function's last `return` at its body's level; lines inside open brackets one level in."""
    lines = [line for line in text.split("\n") if not HEADING.match(line) or OPENS_BLOCK.match(line)]  # "Part two:", a fence
    code = [line for line in lines if line.strip()]
    if len(code) < 3 or any(line[:1].isspace() for line in code) or not OPENS_BLOCK.match(code[0].strip() if code else ""):
        return []
    if not any(OPENS_BLOCK.match(a.strip()) and b.strip() for a, b in zip(lines, lines[1:])):
        return []
    last_returns, later_return = set(), False  # a function's last `return`: none follows before the next definition
    for i in range(len(lines) - 1, -1, -1):
        word = lines[i].split(None, 1)[0] if lines[i].strip() else ""
        if word in ("def", "class", "async"):
            later_return = False
        elif word == "return" and not later_return:
            last_returns.add(i)
            later_return = True
    out, stack, depth = [], [], 0  # stack: [kind, level of the opener, closed by a return or the like]
    in_def = False  # in a function defined at the margin (not a class, not one nested in a block)
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if line.split(None, 1)[0] in ("def", "class", "async"):
            in_def = False
        if depth > 0:
            open_ = [entry for entry in stack if not entry[2]]
            out.append("    " * ((open_[-1][1] + 2) if open_ else 1) + line)
        else:
            opener = OPENS_BLOCK.match(line)
            kind = opener.group(1) if opener else None
            if kind in CONTINUES:
                at = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] in CONTINUES[kind]), None)
                if at is not None:  # else no opener it continues: where a statement would be
                    level = stack[at][1]
                    del stack[at:]
                else:
                    while stack and stack[-1][2]:
                        stack.pop()
                    level = stack[-1][1] + 1 if stack else 0
            else:
                while stack and stack[-1][2]:
                    stack.pop()
                if kind in ("def", "class") and not (out and OPENS_BLOCK.match(out[-1].strip() or "-")):
                    stack = []
                    in_def = kind == "def"
                elif line.startswith("return") and in_def and i in last_returns:
                    while stack and stack[-1][0] != "def":
                        stack.pop()
                level = stack[-1][1] + 1 if stack else 0
            if level > MAX_LEVELS:
                return []  # no code nests this deep: not code whose indentation was lost
            out.append("    " * level + line)
            if kind:
                stack.append([kind, level, False])
            elif ENDS_BLOCK.match(line) and stack and stack[-1][0] not in ("def", "class"):
                stack[-1][2] = True
        depth = max(0, depth + sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}"))
    result = "\n".join(out)
    return [result] if result != text else []


_QUOTED = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
TOKEN_LIST = re.compile(r"\[\s*%s(?:\s*,\s*%s){11,}\s*,?\s*\]" % (_QUOTED, _QUOTED))
NEWLINE_TOKENS = {"\n", "\\n", "NEWLINE", "NL", "<NL>", "<NEWLINE>", "⏎"}
INDENT_TOKENS, DEDENT_TOKENS = {"INDENT", "<INDENT>"}, {"DEDENT", "<DEDENT>"}
COMPOUND = {"def", "class", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "async"}
KEYWORDS = frozenset(keyword.kwlist)
OPERATOR_WORDS = frozenset(("and", "or", "in", "is", "if", "else", "for", "as", "from"))  # inside an expression
SIMPLE_STATEMENTS = frozenset(("return", "raise", "pass", "break", "continue", "import", "from", "yield", "del", "assert", "global",
                               "nonlocal"))


def _ends_operand(token: str) -> bool:
    """Can an expression end with `token` (a name, a number, a string, a closing bracket)?"""
    return token[-1:] in ")]}\"'" or (token[:1].isalnum() or token[:1] == "_") and (
        token not in KEYWORDS or token in ("None", "True", "False", "pass", "break", "continue"))


def _starts_statement(token: str) -> bool:
    """Can `token` begin a statement (a keyword that begins one, a name, a string)? Not an operator word."""
    if token in COMPOUND or token in SIMPLE_STATEMENTS:
        return True
    return (token[:1].isalpha() or token[:1] in "_\"'") and token not in OPERATOR_WORDS and token not in ("not", "lambda", "await")


def token_lists(text: str) -> list[str]:
    """Code given as a list of its tokens (`["def", "f", "(", "n", ")", ":", ...]`) written back as lines: at a token
    list's NEWLINE (and INDENT, DEDENT) when it has them, else after a block's colon and between two tokens that cannot
    follow each other in one statement (a name or a closing bracket, then a name or a keyword)."""
    found = []
    for match in TOKEN_LIST.finditer(text[:MAX_BLOB]):
        try:
            tokens = ast.literal_eval(match.group(0))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if not all(isinstance(tok, str) for tok in tokens) or sum(map(len, tokens)) > 12 * len(tokens):
            continue  # a list of lines or sentences, not of tokens
        lines, current, indent, depth = [], [], 0, 0

        def flush():
            if current:
                lines.append("    " * indent + " ".join(current))
                current.clear()

        for raw in tokens:
            token = raw.strip()
            if raw in NEWLINE_TOKENS or token in NEWLINE_TOKENS:
                flush()
                continue
            if token in INDENT_TOKENS or token in DEDENT_TOKENS:
                flush()
                indent = max(0, indent + (1 if token in INDENT_TOKENS else -1))
                continue
            if not token or token in ("ENDMARKER", "<ENDMARKER>"):
                continue
            if depth == 0 and current and _ends_operand(current[-1]) and _starts_statement(token):
                flush()
            current.append(token)
            depth = max(0, depth + (token in ("(", "[", "{")) - (token in (")", "]", "}")))
            if depth == 0 and token == ":" and current[0] in COMPOUND:
                flush()
        flush()
        found.append("\n".join(lines))
    return ["\n".join(found), *found] if len(found) > 1 else found  # lists one after the other (a conversation) together


LEGEND_WORDS = frozenset(keyword.kwlist) | frozenset(("print", "len", "range", "sorted", "sum", "min", "max", "str", "int",
                                                      "float", "list", "dict", "set", "tuple", "enumerate", "zip", "append"))
_SIGN = r"`?([^\s`=:,;]{1,12}?)`?"
_WORD = r"`?([A-Za-z_]\w*)`?"
LEGEND = [re.compile(pattern, re.I | re.M) for pattern in (
    _SIGN + r"\s*(?:=|:|->|→|⇒|means|stands for|is)\s*" + _WORD + r"(?=\s*(?:[,;.)]|$|\s+and\b))",
    r"(?:replace|read|,|;|\band)\s+" + _SIGN + r"\s+(?:with|by|as)\s+" + _WORD,
    r"(?:write|put|use)\s+" + _WORD + r"\s+(?:for|in place of|where you see)\s+" + _SIGN,
)]


_WORDS = "|".join(sorted(LEGEND_WORDS, key=len, reverse=True))
# what every legend holds, found first (the patterns above try a sign at every position of a text)
LEGEND_CUE = re.compile(r"(?:[=:→⇒]|->|\b(?:means|stands for|is|with|by|as))\s*`?(?:%s)`?(?=\s*(?:[,;.)]|$|\s+and\b))|"
                        r"\b(?:write|put|use)\s+`?(?:%s)`?\s+(?:for|in place of|where you see)\b" % (_WORDS, _WORDS), re.I | re.M)


def legend(text: str) -> list[str]:
    """Code with its keywords (or names) replaced by signs, with a legend saying which is which (`🔁 = for`,
    `K2 means return`, `replace ↩ with return`), the signs put back."""
    if not LEGEND_CUE.search(text):
        return []
    pairs = {}
    for k, pattern in enumerate(LEGEND):
        for match in pattern.finditer(text):
            sign, word = match.groups() if k < 2 else reversed(match.groups())
            if word in LEGEND_WORDS and sign != word and not sign.isdigit():
                pairs[sign] = word
    if not pairs or (len(pairs) < 2 and not any(not sign.isascii() for sign in pairs)):
        return []
    signs = re.compile("|".join(r"(?<![\w])" + re.escape(sign) + r"(?![\w])" for sign in sorted(pairs, key=len, reverse=True)))
    lines = [line for line in text.split("\n") if sum(1 for _ in signs.finditer(line)) < 2 or not any(p.search(line) for p in LEGEND)]
    return [signs.sub(lambda m: pairs[m.group(0)], "\n".join(lines))]


LOCAL_KEYWORDS = {  # Python's keywords as other languages' code-like pseudocode writes them
    "def": "définir|definir|definisci|definiere|función|funcion|funzione|função|funcao|fonction|funktion",
    "return": "retourner|retourne|renvoyer|renvoie|retornar|retorna|retorne|devolver|devuelve|ritorna|restituisci|zurückgeben|zurück",
    "for": "pour|para|per|für|fur",
    "in": "dans|en|em|nel|in",
    "if": "si|se|wenn|falls",
    "elif": "sinon si|sinonsi|si no si|sino si|senão se|senao se|altrimenti se|sonst wenn",
    "else": "sinon|sino|senão|senao|altrimenti|sonst",
    "while": "tant que|tantque|mientras|enquanto|mentre|solange",
    "not": "non|no|não|nicht",
    "and": "et|y|e|und",
    "or": "ou|o|oder",
    "True": "Vrai|Verdadero|Verdadeiro|Vero|Wahr",
    "False": "Faux|Falso|Falsch",
    "None": "Rien|Nada|Nulla|Nichts|Nulo",
}
LOCAL_KEYWORD = re.compile(r"(?<![\w.])(" + "|".join(sorted({w for ws in LOCAL_KEYWORDS.values() for w in ws.split("|")}, key=len, reverse=True))
                           + r")(?![\w(])")
LOCAL_TO_PYTHON = {w.lower(): kw for kw, ws in LOCAL_KEYWORDS.items() for w in ws.split("|")}
LOCAL_OPENER = re.compile(r"^\s*(?:définir|definir|definisci|definiere|función|funcion|funzione|função|funcao|fonction|funktion)\s+\w+\s*\(",
                          re.I | re.M)


def local_keywords(text: str) -> list[str]:
    """Code whose keywords are written in French, Spanish, Italian, Portuguese or German (`définir f(n):`, `retourner
    total`, `pour x dans xs:`), read with Python's; only in text holding such a `def` line."""
    if not LOCAL_OPENER.search(text):
        return []
    return [LOCAL_KEYWORD.sub(lambda m: LOCAL_TO_PYTHON.get(m.group(1).lower(), m.group(1)), text)]


LEET = str.maketrans("0134578", "oieastb")  # digits put for letters (a word holds no `@` or `$`: the full reading maps those)
WORD_TOKEN = re.compile(r"\w+")
_LEET_OF = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "b": "8"}
LEET_FAMILIAR = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(  # `r37urn`, `f0r`, `1n`, `7h3`: familiar words in leetspeak
    "".join(f"[{c}{_LEET_OF[c]}]" if c in _LEET_OF else c for c in word) for word in
    ("return", "def", "for", "in", "if", "else", "elif", "while", "not", "and", "or", "len", "range", "self", "import",
     "print", "the", "of", "to", "is", "true", "false", "none", "list", "sorted", "sum", "append")), re.I)
MIN_LEET = 8  # words mixing letters with such digits (half of them familiar once read); fewer are names like `x1`


def _leet_word(word: str) -> bool:
    """A word of letters with some written as digits (not a blob: no 2, 6 or 9, no longer than a long name)."""
    return (len(word) <= 24 and any(c.isalpha() for c in word) and any(c in "0134578" for c in word)
            and not any(c in "269" for c in word))


def leetspeak(text: str) -> list[str]:
    """Text whose letters were written as digits (`r37urn 7074l`): the words that mix letters and such digits read as
    letters, and a second reading where short numbers are read too (`4` for a name `a`, `15` for `is`), numbers lost."""
    if sum(any(c.isdigit() for c in m.group(0)) for m in LEET_FAMILIAR.finditer(text)) < MIN_LEET / 2:
        return []  # few words that read as `return`, `for`, `in`, `the` once read (escapes, names, blobs): one scan
    leet = [word for word in WORD_TOKEN.findall(text) if _leet_word(word)]
    if len(leet) < MIN_LEET:
        return []
    light = WORD_TOKEN.sub(lambda m: m.group(0).translate(LEET) if _leet_word(m.group(0)) else m.group(0), text)
    full = WORD_TOKEN.sub(lambda m: m.group(0).translate(LEET) if _leet_word(m.group(0)) or len(m.group(0)) <= 3 else m.group(0), text)
    return [light, full.translate(str.maketrans("@$", "as"))]


MORSE = dict(zip(
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- -.-- --.. ----- .---- "
    "..--- ...-- ....- ..... -.... --... ---.. ----. .-.-.- --..-- ..--.. .----. -.-.-- -..-. -.--. -.--.- .-... ---... -.-.-. "
    "-...- .-.-. -....- ..--.- .-..-. ...-..- .--.-.".split(),
    "abcdefghijklmnopqrstuvwxyz0123456789.,?'!/()&:;=+-_\"$@"))
MORSE_TOKEN = re.compile(r"^[.\-·•–—−_]{1,8}$")  # dots and dashes, as typed or as typography makes them
MORSE_DASHES = str.maketrans({"·": ".", "•": ".", "–": "-", "—": "-", "−": "-", "_": "-"})


def _is_morse(token: str) -> bool:
    return bool(MORSE_TOKEN.match(token)) and token.translate(MORSE_DASHES) in MORSE


def morse(text: str) -> list[str]:
    """Morse code read as letters: a space between letters; a slash, or two spaces or more, between words. Tokens that are
    no Morse letter (a bracket the code has no sign for) are kept as they stand. Two readings: a slash as a space, and
    a slash as a new line (a model that keeps one line of code a line of Morse uses it between words)."""
    tokens = text.split()
    signs = [t for t in tokens if _is_morse(t)]
    if len(signs) < 20 or len(signs) < 0.6 * len(tokens):
        return []

    def read(slash: str) -> str:
        lines = []
        for line in text.split("\n"):
            tokens = line.split()
            if 2 * sum(_is_morse(t) for t in tokens) < len(tokens):  # a heading, a sentence: as it stands
                lines.append(line)
                continue
            line = re.sub(r"[ \t]{2,}", "  ", line.strip())  # runs of blanks at most two long: the split below stays linear
            words = re.split(r" {0,2}/ {0,2}| {2}", line)
            seps = re.findall(r" {0,2}/ {0,2}| {2}", line)
            out = ""
            for i, word in enumerate(words):
                out += "".join(MORSE.get(t.translate(MORSE_DASHES), t) if MORSE_TOKEN.match(t) else t for t in word.split())
                if i < len(seps):
                    out += slash if "/" in seps[i] else " "
            lines.append(out)
        return "\n".join(lines)

    return list(dict.fromkeys([read(" "), read("\n")]))


BLOB_LINE = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])?\s*`?([A-Za-z0-9+/_=-]{4,})`?\s*$")


def line_blobs(text: str) -> list[str]:
    """Lines each holding one short base64 blob (a bullet list of them, say), decoded one by one and put together."""
    lines = text.splitlines()
    matches = [BLOB_LINE.match(line) for line in lines]
    tokens = [m.group(1) for m in matches if m]
    if len(tokens) < 3:
        return []
    decoded = []
    for token in tokens:
        token = token.rstrip("=")
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_" if re.search("[-_]", token) else None)
            line = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if line and _printable(line):
            decoded.append(line)
    return ["\n".join(decoded)] if len(decoded) >= 3 and len(decoded) >= len(tokens) / 2 else []


ENDS_LIKE_REVERSED = re.compile(r"\b(?:return|def|for|if|while|elif|class|else:)[ \t]*$", re.M)  # a line's first word last


def words_reversed(text: str) -> list[str]:
    """Each line's words put back in order ('total return' -> 'return total'), its indentation kept."""
    if len(ENDS_LIKE_REVERSED.findall(text)) < 2:
        return []
    return ["\n".join(line[: len(line) - len(line.lstrip())] + " ".join(reversed(line.split())) for line in text.splitlines())]


DIFF_FENCE = re.compile(r"```(?:diff|patch|udiff)[^\n]*\n(.*?)(?:```|\Z)", re.S)
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", re.M)
DIFF_HEADER = ("--- ", "+++ ", "diff ", "index ")
MAX_HUNKS = 32


def diffs(text: str) -> list[str]:
    """The unified diffs in `text`: blocks fenced as `diff` (or `patch`), or the text itself when it has a hunk
    header (`@@ -3,4 +3,4 @@`) of its own."""
    found = [d for d in DIFF_FENCE.findall(text) if re.search(r"^[+-]", d, re.M)]
    return found or ([text] if HUNK.search(text) else [])


def hunks(diff: str) -> list[tuple[list[str], list[str], int | None]]:
    """(old lines, new lines, where the new ones go when there are no old ones: the index in the old text, if the
    hunk header says) of each hunk of a unified diff: context lines in both, `-` lines in the old, `+` in the new;
    a line of anything else (prose) ends a hunk. At most MAX_HUNKS."""
    found: list[tuple[list[str], list[str], int | None]] = []
    old: list[str] | None = None
    new: list[str] = []
    at: int | None = None

    def close():
        if old is not None and old != new:
            found.append((old, new, at))

    for line in diff.splitlines():
        if line.startswith(DIFF_HEADER) or line.startswith("\\"):
            continue
        if line.startswith("@@"):
            close()
            old, new = [], []
            header = HUNK.match(line)
            # `-2,0`: added after line 2 (index 2); `-3,1`: from line 3 (index 2)
            at = None if header is None else int(header.group(1)) - (header.group(2) != "0")
        elif line[:1] in ("+", "-", " ") or not line:
            if old is None:
                old, new, at = [], [], None
            if line[:1] != "+":
                old.append(line[1:])
            if line[:1] != "-":
                new.append(line[1:])
        else:
            close()
            old, new, at = None, [], None
        if len(found) >= MAX_HUNKS:
            break
    close()
    return found[:MAX_HUNKS]


def diff_lines(text: str) -> list[str]:
    """A unified diff read as code: its `+` and context lines, the markers taken off (`-` lines left out)."""
    found = []
    for diff in diffs(text):
        lines = [line for _, new, _ in hunks(diff) for line in new]
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            found.append("```python\n" + "\n".join(lines) + "\n```")
    return found


def apply_diff(diff: str, source: str) -> str | None:
    """`source` with the hunks of `diff` applied (each where its old lines are, exactly or but for spacing at the
    ends); None if a hunk finds no place or changes nothing."""
    lines = source.splitlines()
    changed, moved = False, 0  # lines the hunks before added (less those they removed)
    for old, new, start in hunks(diff):
        while old and new and not old[-1].strip() and not new[-1].strip():
            old, new = old[:-1], new[:-1]
        if not old:
            if start is None or not 0 <= start + moved <= len(lines):
                return None
            lines[start + moved:start + moved] = new
            moved += len(new)
            changed = True
            continue
        for same in (lambda a, b: a.rstrip() == b.rstrip(), lambda a, b: a.strip() == b.strip()):
            at = next((i for i in range(len(lines) - len(old) + 1) if all(same(a, b) for a, b in zip(lines[i:], old))), None)
            if at is not None:
                break
        else:
            return None
        lines[at:at + len(old)] = new
        moved += len(new) - len(old)
        changed = True
    return "\n".join(lines) + "\n" if changed else None


TRANSFORMS = (rendered, normalised, uncomment, diff_lines, literals, as_python, line_blobs, decode_base64, base64_words, decode_base32, decode_base85, decode_codes, decode_hex,
              decode_uu, ast_dumps, decode_percent, decode_quoted_printable, decode_escapes, entities, unspread, unmarked, words_a_line, morse,
              *RECORDS, joined_lines, interleaved_blocks, drawn_indentation, capitals, token_lists, reindented, legend,
              local_keywords, leetspeak, spoken_code, in_order,
              unbulleted, words_reversed, rot13, rot47, shifted_alphabets, reversed_text)
# of the answer itself only: the renderer shows the answer, not what is decoded out of it; a second reading of a garbled text
# is noise
FIRST_READING_ONLY = (rendered, rot13, rot47, shifted_alphabets, reversed_text)
# readings of the whole text (not of a blob in it): what `opacity` tries before it calls text unreadable
WHOLE_READINGS = (normalised, uncomment, unspread, unmarked, words_a_line, morse, *RECORDS, drawn_indentation, capitals, decode_percent, decode_quoted_printable, decode_escapes, entities, words_reversed,
                  rot13, rot47, shifted_alphabets, reversed_text)


BLOB_DECODERS = (line_blobs, decode_base64, decode_base32, decode_base85, decode_codes, decode_hex, decode_uu)


WRAPPED = re.compile(r"^(\S{40,})\n(?=\S+$)", re.M)  # a long line without spaces that goes on in the next one


def _readings(transform, text: str) -> list[str]:
    """What one transform reads out of `text`; the blobs of a decoder all together first, then the longest first
    (decoy blobs in front of the one that matters cannot use up the budget before it). A blob wrapped over several
    lines is read whole as well."""
    found = transform(text)
    if transform in BLOB_DECODERS and (unwrapped := WRAPPED.sub(r"\1", text)) != text:
        found = [*transform(unwrapped), *found]
    if transform in BLOB_DECODERS and len(found) > 1:
        return ["\n".join(found), *sorted(found, key=len, reverse=True)]
    return found


def iter_views(text: str, dropped: list | None = None):
    """The answer itself, then what can be read out of it, breadth first, at most MAX_VIEWS texts; decodings left out
    for the budget are put in `dropped` (when given)."""
    seen = {text: None}
    yield text
    frontier = [text]
    for _ in range(DEPTH):
        following = []
        for current in frontier:
            for transform in TRANSFORMS:
                if transform in FIRST_READING_ONLY and current is not text:
                    continue
                for view in _readings(transform, current):
                    if not view or view in seen:
                        continue
                    if len(seen) >= MAX_VIEWS:
                        if dropped is not None and transform in BLOB_DECODERS:
                            dropped.append(view)
                        continue
                    seen[view] = None
                    following.append(view)
                    yield view
        frontier = following


SPREAD_TAIL = 4096  # characters of a conversation before its last answer where a spread form must show
SPREAD_READINGS = (words_a_line, morse, *RECORDS, token_lists, legend, local_keywords, drawn_indentation, capitals)


def spread_readings(text: str, last: str | None = None) -> list[str]:
    """What the readers of forms a conversation may spread over several answers (a word a line, Morse, records,
    tokens, a legend, keywords in another language) read out of the whole of it, each laid out again if its layout
    was lost, and again without the headings each answer put before its part. With `last` (the latest answer, at the
    end of `text`), only the readers that read something out of the conversation's tail (`last` and SPREAD_TAIL
    characters before it) read the whole: a form spread over answers is in the last ones too, and a long conversation
    is not read again by every reader at every line of a streamed answer (after a conversation of 21,600 characters,
    that cost a streamed answer of 1,600 characters 550 ms more CPU)."""
    tail = None if last is None or len(text) <= len(last) + SPREAD_TAIL else text[-(len(last) + SPREAD_TAIL):]
    found = []
    for transform in SPREAD_READINGS:
        if tail is not None and not transform(tail):
            continue
        for reading in transform(text):
            found += [reading, *reindented(reading)]
            # each answer's own heading ("Tabs shown as arrows:") left out: in the whole, it falls inside a block
            if (unheaded := "\n".join(line for line in reading.split("\n") if not HEADING.match(line))) != reading:
                found += [unheaded, *reindented(unheaded)]
    return list(dict.fromkeys(found))


def whole_readings(text: str) -> list[str]:
    """The readings of `text` as a whole (a cipher or an escaping of all of it), not of the blobs in it."""
    return [reading for transform in WHOLE_READINGS for reading in transform(text)]


@lru_cache(maxsize=2048)
def _read(text: str) -> tuple[tuple[str, ...], bool]:
    dropped: list[str] = []
    return tuple(iter_views(text, dropped)), bool(dropped)


def views(text: str) -> tuple[str, ...]:
    """All of `iter_views`, kept for texts judged again (a conversation's earlier turns)."""
    return _read(text)[0]


def past_budget(text: str) -> bool:
    """Were decodings of `text` left unread for the view budget (MAX_VIEWS)? Then its views cannot vouch for it."""
    return _read(text)[1]

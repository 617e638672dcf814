"""An answer as the student's Markdown renderer shows it: the markup that rendering removes, removed.

`%tutor` displays the answer as Markdown, so `def depth\\(value\\):` or `**def** **depth**(**value**):` is plain code
on the student's screen. The reading takes off backslash escapes of ASCII punctuation, emphasis (`**`, `__`, `*`, `_`,
`~~` where they open and close), inline HTML tags (`<b>`, `<code>`, `<span>`, `<sub>`; `<br>`, `<p>` and `<pre>` as line
breaks), HTML comments, entities (`&lt;`, `&#62;`, `&nbsp;` as a space), link and footnote markup (`[text](url)` read as
its text), block quotes, setext underlines and the backslash of a hard line break. A fenced code block is shown as it
stands; one that is no Python so is read without its markup too (the student removes it with one find and replace),
while one that is Python keeps its `__init__` and `a*b*c`.
"""

from __future__ import annotations

import html
import re

from .similarity import parse

ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
HIDDEN = 0xE000  # escaped punctuation is parked in the private use area while the markup around it is taken off
EMPHASIS = (
    re.compile(r"(\*\*|~~)(?=\S)(.+?)(?<=\S)\1"),
    re.compile(r"(?<![A-Za-z0-9])(__)(?=\S)(.+?)(?<=\S)__(?![A-Za-z0-9])"),
    re.compile(r"(\*)(?=[^\s*])(.*?[^\s*])\*"),
    re.compile(r"(?<![A-Za-z0-9_])(_)(?=[^\s_])(.*?[^\s_])_(?![A-Za-z0-9_])"),
)
INLINE_TAGS = "a|abbr|b|big|cite|code|del|dfn|em|font|i|ins|kbd|mark|nobr|q|s|samp|small|span|strike|strong|sub|sup|tt|u|var|wbr"
MARKUP = re.compile(r"\\[!-/:-@\[-`{-~]|\*\*\S|(?<![A-Za-z0-9])__\S|~~|&#?\w+;|\]\(|\[\^|(?<![\w*])\*\S|(?<!\w)_[^\s_]|^ {0,3}>"
                    rf"|<(?:/?(?:{INLINE_TAGS}|br|p|div|pre|li|ul|ol|blockquote)\b|!--)", re.M | re.I)
TAG = re.compile(rf"</?(?:{INLINE_TAGS})\b[^<>]*>|<!--.*?-->", re.I | re.S)
BREAK_TAG = re.compile(r"<(?:br|/?p|/?div|/?pre|/?li|/?ul|/?ol|/?blockquote)\b[^<>]*>", re.I)
LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
FOOTNOTE = re.compile(r"\[\^[^\]\n]+\]:?[ \t]?")
QUOTE = re.compile(r"^(?: {0,3}>[ \t]?)+", re.M)
UNDERLINE = re.compile(r"^ {0,3}(?:=+|-{2,})[ \t]*$", re.M)  # a setext heading's underline
HARD_BREAK = re.compile(r"\\$", re.M)
BLOB = re.compile(r"\S{48,}")  # an encoded blob: shown as it stands, its decoders read it
CODE_BLOCK = re.compile(r"(```[^\n`]*\n)(.*?)(```|\Z)", re.S)
SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")  # &nbsp;, &emsp; and the like indent as spaces


def _park(match: re.Match) -> str:
    return chr(HIDDEN + ord(match.group(1)))


def _unpark(text: str) -> str:
    return re.sub("[\ue021-\ue07e]", lambda m: chr(ord(m.group(0)) - HIDDEN), text)


def _plain(text: str) -> str:
    for pattern in EMPHASIS:
        previous = None
        while previous != text:  # nested emphasis (`***x***`, `**_x_**`) comes off layer by layer
            previous, text = text, pattern.sub(r"\2", text)
    return text


def _shown(text: str) -> str:
    plain = ESCAPED.sub(_park, text)
    plain = BREAK_TAG.sub("\n", TAG.sub("", plain))
    plain = QUOTE.sub("", UNDERLINE.sub("", HARD_BREAK.sub("", plain)))
    plain = _plain(FOOTNOTE.sub("", LINK.sub(r"\1", plain)))
    return SPACES.sub(" ", html.unescape(_unpark(plain)))


def rendered(text: str) -> list[str]:
    """The text the renderer shows for `text`, with code blocks that are no Python as they stand read without their
    markup too; none when it holds no markup."""
    if not MARKUP.search(BLOB.sub(" ", text)):
        return []
    parts, at = [], 0
    for block in CODE_BLOCK.finditer(text):
        body = block.group(2)
        parts += [_shown(text[at:block.start()]), block.group(1), body if parse(body) is not None else _shown(body), block.group(3)]
        at = block.end()
    plain = "".join(parts) + _shown(text[at:])
    return [plain] if plain != text else []

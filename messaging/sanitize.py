"""The HTML a message may carry: an allow-list, rebuilt tag by tag (nothing is passed through).

Kept: paragraphs, line breaks, bold, italics, underline, headings, lists, quotes, rules, links
(``http``, ``https``, ``mailto``) and images by URL (``https``/``http``). Removed: every other
tag (its text stays), the content of ``script``/``style``/…, every attribute not listed (event
handlers, ``style``), and any URL of another scheme (``javascript:``, ``data:``…).
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "h2",
    "h3",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "a",
    "img",
}
VOID_TAGS = {"br", "hr", "img"}
ALLOWED_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_ATTRS = {"href": {"http", "https", "mailto"}, "src": {"http", "https"}}
# Tags whose content is dropped with them.
DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg"}
MAX_LENGTH = 200_000
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _safe_url(value: str, schemes: set[str]) -> str | None:
    cleaned = _CONTROL.sub("", value)  # "java\tscript:" and friends
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    if scheme not in schemes:
        return None
    return cleaned


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED_ATTRS.get(tag, set()) or value is None:
                continue
            if name in URL_ATTRS:
                value = _safe_url(value, URL_ATTRS[name])
                if value is None:
                    continue
            if name in {"width", "height"} and not value.isdigit():
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        if tag == "img" and not any(k.startswith(" src=") for k in kept):
            return  # an image without a usable address
        if tag == "a":
            kept.append(' rel="noopener noreferrer"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and tag in ALLOWED_TAGS and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:  # close what was left open inside it
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(value: str) -> str:
    """The allowed subset of ``value``, well-formed; plain text comes back escaped."""
    cleaner = _Cleaner()
    cleaner.feed(value[:MAX_LENGTH])
    return cleaner.result().strip()


_BLOCK_TAG = re.compile(r"<(p|br|ul|ol|h2|h3|blockquote|hr)\b", re.I)


def message_html(value: str) -> str:
    """A message body as typed: text without block tags gets its paragraphs (blank lines) and
    line breaks, then the allow-list applies."""
    value = value.replace("\r\n", "\n")
    if not _BLOCK_TAG.search(value):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
        value = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    clean = sanitize_html(value)
    if not re.sub(r"<(?!img)[^>]*>", "", clean).strip():
        return ""  # nothing left to read (only removed content, empty paragraphs)
    return clean


_BLOCK_END = re.compile(r"</(p|h2|h3|blockquote|ul|ol)>|<hr>", re.I)
_LINE_END = re.compile(r"</li>|<br>", re.I)
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.I | re.S)
_IMG = re.compile(r'<img src="([^"]*)"[^>]*>', re.I)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    """The text part of a sanitised body: links as "text (address)", one line per block."""
    from html import unescape

    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", value)
    text = _IMG.sub(lambda m: f"[{m.group(1)}]", text)
    text = re.sub(r"<li>", "- ", text, flags=re.I)
    text = _BLOCK_END.sub("\n\n", text)
    text = _LINE_END.sub("\n", text)
    text = unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

"""Text written into an output that renders it: HTML, Markdown, a terminal, a spreadsheet.

Every value of an article is plain text but one: ``body_html``, made safe by the cleaner's
allow-list (``rficrawl.items.value_kinds`` gives the kind of each value by its path). A page can
put anything in a text value (a headline of ``<img src=x onerror=...>``, a tag of ``[/x]``, an
author named ``=HYPERLINK(...)``), so every output that renders text escapes it for what renders
it, with one of these functions, and never writes a text value as markup:

- ``html_text``: element content and quoted attribute values of HTML;
- ``markdown_text``: inline Markdown (a link's text, a list item) that must also read as text
  when the document is shown as HTML without a Markdown renderer;
- ``markdown_url``/``html_url``: a link's target, only http(s) (or a relative path where the
  output links its own files);
- ``html_block``: HTML written into a Markdown document as one HTML block;
- ``console_text``: a terminal through rich (no console markup, no control sequences);
- ``csv_cell``/``csv_value``: a spreadsheet cell that must not be read as a formula, and back.

The Markdown archive (``rficrawl.export.markdown``), the CSV exports and the terminal commands
(``rficrawl.cli.query``) use them; a page or report to come should too.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from rich.text import Text

_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "'": "&#x27;"})
# Characters that Markdown may read as syntax in a line of inline text: HTML's (raw HTML,
# entities, autolinks), links' (brackets), code spans, emphasis, strikethrough, table cells and
# backslash escapes. Written as numeric character references, which Markdown reads as the
# character itself, never as syntax, and which a browser shows as the character too.
_MARKDOWN_ESCAPES = str.maketrans(
    {character: f"&#{ord(character)};" for character in "&<>[]\\`*_~|"})
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
# In a URL: anything but printable ASCII, and what ends or breaks a Markdown link's target or an
# HTML attribute.
_URL_UNSAFE = re.compile(r"""[^\x21-\x7e]|[()<>"'`\\]""")
# C0 and C1 control characters but tab and newline: a terminal reads ESC and CSI as commands.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What a spreadsheet reads as the start of a formula (OWASP's "CSV injection": =, +, -, @, tab
# and carriage return), and the apostrophe that guards it, so that guarding can be undone.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_GUARD = "'"
WEB_SCHEMES = frozenset({"http", "https"})


def html_text(text: object) -> str:
    """Text as HTML: safe in element content and in a quoted attribute value."""
    return str(text).translate(_HTML_ESCAPES)


def markdown_text(text: object) -> str:
    """Text as inline Markdown, on one line: rendered by a Markdown renderer or shown as HTML,
    it reads as the same text and is never markup."""
    return _LINE_BREAKS.sub(" ", str(text)).translate(_MARKDOWN_ESCAPES)


def _encoded_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda found: quote(found[0], safe=""), url)


def web_url(url: object) -> str | None:
    """The URL if it is an absolute http(s) URL (a ``javascript:`` or ``data:`` URL is not)."""
    text = str(url or "").strip()
    try:
        return text if urlsplit(text).scheme.lower() in WEB_SCHEMES else None
    except ValueError:
        return None


def markdown_url(url: object, *, relative: bool = False) -> str:
    """A Markdown link's target: an http(s) URL (or, with ``relative``, a path of the output's
    own files) with what could end the target percent-encoded; empty for anything else."""
    target = str(url or "") if relative and not urlsplit(str(url or "")).scheme else web_url(url)
    return html_text(_encoded_url(target)) if target else ""


def html_url(url: object) -> str:
    """An http(s) URL for an HTML attribute (``src``, ``href``); empty for anything else."""
    target = web_url(url)
    return html_text(_encoded_url(target)) if target else ""


def html_block(html: str) -> str:
    """HTML to write into Markdown as one HTML block: a blank line would end the block and let
    Markdown read what follows as Markdown, so blank lines are closed up."""
    return _BLANK_LINES.sub("\n", html)


def console_text(value: object, style: str = "") -> Text:
    """A value for rich's console: plain text, so ``[bold]`` or ``[/x]`` in a title is shown as
    it is rather than read as console markup, without the control characters a terminal would
    obey (ESC, CSI)."""
    return Text(_TERMINAL_CONTROLS.sub("", "" if value is None else str(value)), style=style)


def csv_cell(value: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula: a value that starts with one of
    ``CSV_FORMULA_STARTS``, or with the guard itself, gets an apostrophe in front (which
    spreadsheets hide and keep as text); ``csv_value`` takes it off."""
    if value.startswith(CSV_FORMULA_STARTS) or value.startswith(CSV_GUARD):
        return CSV_GUARD + value
    return value


def csv_value(cell: str) -> str:
    """The value of a cell written by ``csv_cell``: its first apostrophe, if any, removed."""
    return cell[1:] if cell.startswith(CSV_GUARD) else cell

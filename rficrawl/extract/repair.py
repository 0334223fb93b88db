"""Text repaired once, where it enters the extractor: the values read from the page and its JSON.

A page can hold characters that no later stage can take. A control character is no XML text:
lxml, and any consumer that writes XML, refuses it ("All strings must be XML compatible"); a
JSON ``"\\ud83d"`` escape gives a lone surrogate, which UTF-8 cannot encode, so neither the
content hash nor BSON nor a JSON lines file can take it. Rather than guarding every field,
``repair_text`` is applied to every string as the extractor reads it, so everything after it
sees valid text:

- a lone surrogate becomes U+FFFD, the replacement character a decoder writes for bytes it
  cannot read;
- a control character other than tab, newline and carriage return is removed, but one that
  Python counts as whitespace (vertical tab, form feed, the information separators U+001C-U+001F)
  becomes a space, so that the words it separated stay apart;
- the noncharacters U+FFFE and U+FFFF are removed.

What remains is valid UTF-8 and valid XML 1.0 text. DEL and the C1 controls (U+007F-U+009F) are
both, and are kept: they can carry meaning (a page decoded with the wrong code page).

``TextRepair`` applies it to one page, counting what it changed so that the extractor can say so
in its log: to every JSON value read from a ``<script>`` as it is loaded, to every text value as
the loader's input processors take it (``rficrawl.extract.processors.text``), and, once the item
is made, to every string of the item (``TextRepair.item``), before the word count and the content
hash are made from it. Values are repaired where they are read rather than in the whole parsed
page: a page is half a megabyte of which an item reads a few kilobytes, and a check of all its
bytes cost a sixth of a parse.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, MutableMapping
from typing import Any

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE_CONTROLS = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")
# JSON escapes of what repair_text changes: C0 controls, surrogates, U+FFFE/U+FFFF.
_JSON_ESCAPE = re.compile(r"\\u(?:00[01][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])")


def repair_text(text: str) -> str:
    """The text without lone surrogates, control characters (but tab, newline and carriage
    return) and the noncharacters U+FFFE/U+FFFF; the same object when there was nothing to do."""
    if _NOT_XML.search(text) is None:
        return text
    return _NOT_XML.sub(_replacement, text)


def _replacement(match: re.Match) -> str:
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return "\ufffd"
    return " " if character in _WHITESPACE_CONTROLS else ""


class TextRepair:
    """Repairs the text of one page and counts the values it changed, by where they were."""

    def __init__(self) -> None:
        self.changed: Counter[str] = Counter()

    def text(self, value: str, where: str) -> str:
        repaired = repair_text(value)
        if repaired is not value:
            self.changed[where] += 1
        return repaired

    def load_json(self, text: str, where: str) -> Any:
        """The JSON value of a script of the page, every string in it repaired, keys included.

        The value is walked only when the text holds such a character or a JSON escape that gives
        one (``\\u0000``, ``\\ud83d``), which few pages do. Raises ``ValueError`` when the text is not JSON, ``RecursionError`` when it
        nests deeper than Python's recursion limit.
        """
        value = json.loads(text, strict=False)
        needs_walk = _JSON_ESCAPE.search(text) or _NOT_XML.search(text)
        return self._json(value, where) if needs_walk else value

    def _json(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self.text(value, where)
        if isinstance(value, Mapping):
            return {self.text(key, where): self._json(item, where) for key, item in value.items()}
        if isinstance(value, list):
            return [self._json(item, where) for item in value]
        return value

    def item(self, item: MutableMapping[str, Any], where: str = "page") -> None:
        """Repair every string of an item in place: its values, in lists and objects, and the
        keys of its objects."""
        for name, value in list(item.items()):
            item[name] = self._json(value, where)

    def summary(self) -> str:
        """``"2 values of the page, 1 of the JSON-LD"``; empty when nothing was changed."""
        parts = [f"{count} value{'s' if count > 1 else ''} of the {where}"
                 for where, count in self.changed.items()]
        return ", ".join(parts)

"""Text repaired once, where it enters the extractor: the parsed page and the JSON in it.

A page can hold characters that no later stage can take. A control character is no XML text:
lxml, and any consumer that writes XML, refuses it ("All strings must be XML compatible"); a
JSON ``"\\ud83d"`` escape gives a lone surrogate, which UTF-8 cannot encode, so neither the
content hash nor BSON nor a JSON lines file can take it. Rather than guarding every field,
``repair_text`` is applied to every string as it leaves the parsers, so everything after it
sees valid text:

- a lone surrogate becomes U+FFFD, the replacement character a decoder writes for bytes it
  cannot read;
- a control character other than tab, newline and carriage return is removed, but one that
  Python counts as whitespace (vertical tab, form feed, the information separators U+001C-U+001F)
  becomes a space, so that the words it separated stay apart;
- the noncharacters U+FFFE and U+FFFF are removed.

What remains is valid UTF-8 and valid XML 1.0 text. DEL and the C1 controls (U+007F-U+009F) are
both, and are kept: they can carry meaning (a page decoded with the wrong code page).

``TextRepair`` applies it to one page: the whole document tree, walked only when the page's
bytes may hold such a character (a raw control byte or a numeric character reference to one;
the HTML parser itself drops a NUL or makes it U+FFFD, and a surrogate reference too), and every
JSON value read from a ``<script>``. It counts what it changed, so the extractor can say so in its log.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborNode

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE_CONTROLS = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")
_CONTROL_BYTES = bytes(code for code in range(32) if code not in (9, 10, 13))
# The number of a numeric character reference after its "&#" (the tokenizer needs no ";").
_REFERENCE_NUMBER = re.compile(rb"[xX]([0-9a-fA-F]+)|([0-9]+)")
_PROBE = "".join(map(chr, _CONTROL_BYTES)) + "&#"
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


def may_need_repair(body: bytes, encoding: str) -> bool:
    """Whether a page's tree may hold text that ``repair_text`` would change.

    Cheap (scans of the bytes in C, a fraction of the parse) so that clean pages, nearly all of
    them, skip the walk of their tree. Conservative: a page in an encoding where control
    characters are not single bytes (UTF-16...) is always walked, and so is one with a
    reference beyond Unicode.
    """
    if not _controls_are_bytes(encoding):
        return True
    # One memchr per byte value, and a walk over the "#"s (a few hundred in a page): both
    # several times faster than a regex over the page's bytes.
    if any(byte in body for byte in _CONTROL_BYTES):
        return True
    at = body.find(b"#")
    while at >= 0:
        if at and body[at - 1] == 0x26:  # "&#": a numeric character reference
            number = _REFERENCE_NUMBER.match(body, at + 1)
            if number is not None:
                hexadecimal, decimal = number.groups()
                digits = (hexadecimal or decimal).lstrip(b"0") or b"0"
                if len(digits) > 7:  # beyond Unicode (and maybe too long for int() to read)
                    return True
                code = int(digits, 16) if hexadecimal else int(digits)
                if code > 0x10FFFF or _NOT_XML.match(chr(code)):
                    return True
        at = body.find(b"#", at + 1)
    return False


@lru_cache(maxsize=32)
def _controls_are_bytes(encoding: str) -> bool:
    """Whether the encoding writes control characters and ``&#`` as their ASCII bytes."""
    try:
        return _PROBE.encode(encoding) == _PROBE.encode("ascii")
    except (LookupError, UnicodeError):
        return False


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

        ``text`` comes from the page's tree, already repaired: only a JSON escape (``\\u0000``,
        ``\\ud83d``) can still give such a character, so the value is walked only when the text
        holds one. Raises ``ValueError`` when the text is not JSON, ``RecursionError`` when it
        nests deeper than Python's recursion limit.
        """
        value = json.loads(text, strict=False)
        return self._json(value, where) if _JSON_ESCAPE.search(text) else value

    def _json(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self.text(value, where)
        if isinstance(value, Mapping):
            return {self.text(key, where): self._json(item, where) for key, item in value.items()}
        if isinstance(value, list):
            return [self._json(item, where) for item in value]
        return value

    def tree(self, root: LexborNode, where: str = "page") -> None:
        """Repair the text and attribute values of every node under ``root`` in place.

        An attribute whose name holds such a character is removed: no field is read from one,
        and no later stage should have to carry it. Element names are left as they are: no field
        is read from an unknown element, and the body's allow-list drops it. Comments are left
        too: nothing reads them, and the body's cleaner drops them.
        """
        texts, elements = [], []
        for node in root.traverse(include_text=True):
            if node.is_text_node:
                if _NOT_XML.search(node.text_content or ""):
                    texts.append(node)
            elif node.is_element_node:
                attributes = node.attributes
                if any(_NOT_XML.search(name) or _NOT_XML.search(value or "")
                       for name, value in attributes.items()):
                    elements.append((node, attributes))
        for node in texts:  # replaced once the walk is over: it follows the nodes' links
            node.replace_with(self.text(node.text_content, where))
        for node, attributes in elements:
            for name, value in attributes.items():
                if _NOT_XML.search(name):
                    del node.attrs[name]
                    self.changed[where] += 1
                elif value and _NOT_XML.search(value):
                    node.attrs[name] = self.text(value, where)

    def summary(self) -> str:
        """``"2 values of the page, 1 of the JSON-LD"``; empty when nothing was changed."""
        parts = [f"{count} value{'s' if count > 1 else ''} of the {where}"
                 for where, count in self.changed.items()]
        return ", ".join(parts)

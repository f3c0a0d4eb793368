"""Nets as text: read back what ``print(net.Proto())`` shows (protobuf text format).

graphlab prints every NetDef and OperatorDef in protobuf's text format (see
:mod:`graphlab.proto`). This module is the other direction, with a small tokenizer and
parser of our own (no protobuf dependency)::

    text = str(train_net.Proto())
    netdef = parse_net(text)              # == train_net.Proto()
    save_net(train_net, "train.pbtxt")    # atomic write
    netdef = load_net("train.pbtxt")      # ops remember "train.pbtxt:<line>" as origin
    net = core.Net(netdef)                # a Net you can extend, CreateNet and run

What it reads: the fields of ``NetDef``, ``OperatorDef``, ``Argument`` and
``DeviceOption``; nested messages written ``field { ... }`` (also ``field: { ... }`` and
``field < ... >``); repeated fields, one per line or as a list ``ints: [1, 2, 3]``;
strings in double or single quotes with C escapes (``\\n``, ``\\t``, ``\\"``, octal
``\\303``, hex ``\\xc3``, ``\\u00e9``; octal/hex escapes are UTF-8 bytes) and adjacent
strings concatenated; integers (decimal or ``0x`` hex, optional ``-``); floats such as
``0.1``, ``1e-08``, ``-2.5f``, ``inf``, ``-inf``, ``nan``; booleans ``true``/``false``;
``#`` comments; optional ``,`` or ``;`` after a field.

Round trip: ``parse_net(str(netdef)) == netdef``. Floats are printed with float32
precision (protobuf's ``float``), so a float argument that needs more than float32's
~7 significant digits (``1/3``) reads back as its shortest float32 text (0.33333334).

Errors are :class:`TextFormatError` (a ``ValueError``) naming ``line:column``, what was
expected and what was found, with the offending line and a caret under it.

The parser is iterative (an explicit stack of open messages), so deep nesting cannot
hit Python's recursion limit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import GraphlabError, did_you_mean
from .files import atomic_write, describe_os_error
from .nets import as_netdef
from .proto import MAX_NESTING, Argument, DeviceOption, NetDef, OperatorDef

__all__ = ["TextFormatError", "load_net", "parse_net", "parse_op", "save_net"]


class TextFormatError(GraphlabError, ValueError):
    """The text is not a valid net/op in protobuf text format; names line and column."""


# ---- schema: field name -> (kind, repeated); kind is a scalar tag or a message class ------

_STR, _INT, _FLOAT, _BOOL = "string", "integer", "float", "bool"
Message = Any

_FIELDS: dict[type, dict[str, tuple[Any, bool]]] = {
    NetDef: {
        "name": (_STR, False),
        "op": (OperatorDef, True),
        "type": (_STR, False),
        "num_workers": (_INT, False),
        "device_option": (DeviceOption, False),
        "arg": (Argument, True),
        "external_input": (_STR, True),
        "external_output": (_STR, True),
    },
    OperatorDef: {
        "input": (_STR, True),
        "output": (_STR, True),
        "name": (_STR, False),
        "type": (_STR, False),
        "arg": (Argument, True),
        "device_option": (DeviceOption, False),
        "engine": (_STR, False),
        "control_input": (_STR, True),
        "is_gradient_op": (_BOOL, False),
        "debug_info": (_STR, False),
    },
    Argument: {
        "name": (_STR, False),
        "f": (_FLOAT, False),
        "i": (_INT, False),
        "s": (_STR, False),
        "n": (NetDef, False),
        "floats": (_FLOAT, True),
        "ints": (_INT, True),
        "strings": (_STR, True),
        "nets": (NetDef, True),
    },
    DeviceOption: {
        "device_type": (_INT, False),
        "device_id": (_INT, False),
        "random_seed": (_INT, False),
        "node_name": (_STR, False),
        "extra_info": (_STR, True),
    },
}

# ---- tokenizer ---------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # "ident", "number", "string", "punct", "eof"
    text: str  # source text (for strings: the decoded value)
    line: int
    col: int
    pos: int

    def describe(self) -> str:
        if self.kind == "eof":
            return "end of input"
        if self.kind == "string":
            return f"string {self.text!r}"
        return f"{self.text!r}"


_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PUNCT = "{}<>[]:,;-"
_SIMPLE_ESCAPES = {
    "n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\", '"': b'"', "'": b"'",
    "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "?": b"?",
}
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"


class _Lexer:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def error(self, pos: int, line: int, col: int, message: str) -> TextFormatError:
        return _error(self.text, self.source, pos, line, col, message)

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        text = self.text
        n = len(text)
        while True:
            self._skip_space()
            if self.pos >= n:
                out.append(_Token("eof", "", self.line, self.pos - self.line_start + 1, self.pos))
                return out
            start = self.pos
            col = start - self.line_start + 1
            ch = text[start]
            if ch in "\"'":
                out.append(_Token("string", self._string(ch), self.line, col, start))
                continue
            m = _NUMBER.match(text, start) if ch.isdigit() or ch == "." else None
            if m:
                end = m.end()
                if end < n and (text[end].isalnum() or text[end] == "_"):
                    raise self.error(start, self.line, col,
                                     f"malformed number {text[start:end + 1]!r}...")
                out.append(_Token("number", m.group(), self.line, col, start))
                self.pos = end
                continue
            m = _IDENT.match(text, start)
            if m:
                out.append(_Token("ident", m.group(), self.line, col, start))
                self.pos = m.end()
                continue
            if ch in _PUNCT:
                out.append(_Token("punct", ch, self.line, col, start))
                self.pos += 1
                continue
            raise self.error(start, self.line, col, f"unexpected character {ch!r}")

    def _skip_space(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch == "\n":
                self.pos += 1
                self.line += 1
                self.line_start = self.pos
            elif ch in " \t\r\f\v":
                self.pos += 1
            elif ch == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                return

    def _string(self, quote: str) -> str:
        text, n = self.text, len(self.text)
        start, line, col = self.pos, self.line, self.pos - self.line_start + 1
        i = start + 1
        out = bytearray()
        while True:
            if i >= n or text[i] == "\n":
                raise self.error(start, line, col,
                                 f"unterminated string (expected a closing {quote})")
            ch = text[i]
            if ch == quote:
                i += 1
                break
            if ch != "\\":
                out += ch.encode("utf-8", "surrogatepass")
                i += 1
                continue
            esc_col = i - self.line_start + 1
            e = text[i + 1] if i + 1 < n else ""
            if e in _SIMPLE_ESCAPES:
                out += _SIMPLE_ESCAPES[e]
                i += 2
            elif e and e in _OCTAL:
                j = i + 1
                while j < n and j < i + 4 and text[j] in _OCTAL:
                    j += 1
                value = int(text[i + 1:j], 8)
                if value > 255:
                    raise self.error(i, line, esc_col, f"octal escape \\{text[i + 1:j]} > 255")
                out.append(value)
                i = j
            elif e in ("x", "X"):
                j = i + 2
                while j < n and j < i + 4 and text[j] in _HEX:
                    j += 1
                if j == i + 2:
                    raise self.error(i, line, esc_col, "\\x must be followed by hex digits")
                out.append(int(text[i + 2:j], 16))
                i = j
            elif e in ("u", "U"):
                width = 4 if e == "u" else 8
                digits = text[i + 2:i + 2 + width]
                if len(digits) != width or any(c not in _HEX for c in digits):
                    raise self.error(i, line, esc_col,
                                     f"\\{e} must be followed by {width} hex digits")
                code = int(digits, 16)
                if code > 0x10FFFF:
                    raise self.error(i, line, esc_col,
                                     f"\\{e}{digits} is not a Unicode character (the largest "
                                     "is \\U0010FFFF)")
                out += chr(code).encode("utf-8", "surrogatepass")
                i += 2 + width
            else:
                raise self.error(i, line, esc_col, f"unknown escape sequence \\{e}")
        self.pos = i
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(start, line, col,
                             f"string is not valid UTF-8 after its escapes ({exc.reason} at "
                             f"byte {exc.start})") from None


def _error(text: str, source: str, pos: int, line: int, col: int, message: str) -> TextFormatError:
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    src_line = text[line_start:] if line_end < 0 else text[line_start:line_end]
    where = f"{source}:{line}:{col}" if source else f"line {line}, column {col}"
    offset = col - 1
    if len(src_line) > _SHOWN:  # a long line: show the part around the column
        start = max(0, min(offset - _SHOWN // 2, len(src_line) - _SHOWN))
        src_line = ("..." if start else "") + src_line[start:start + _SHOWN] + (
            "..." if start + _SHOWN < len(src_line) else "")
        offset = offset - start + (3 if start else 0)
    return TextFormatError(f"{where}: {message}\n    {src_line}\n    {' ' * offset}^")


_SHOWN = 100  # characters of the offending line an error shows


# ---- parser ------------------------------------------------------------------------------

_TOO_BIG = 2**64  # stands for an integer literal too long to be converted at all


@dataclass
class _Frame:
    msg: Message
    closer: str
    field_name: str
    open_tok: _Token | None
    seen: dict[str, None] = field(default_factory=dict)


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TextFormatError(f"{source or 'the text'} is not UTF-8 ({exc.reason} at "
                                      f"byte {exc.start})") from None
        if not isinstance(text, str):
            raise TypeError(f"expected the net's text as a str, got {type(text).__name__}")
        self.text = text
        self.source = source
        self.toks = _Lexer(text, source).tokens()
        self.i = 0

    # token helpers
    def peek(self) -> _Token:
        return self.toks[self.i]

    def next(self) -> _Token:
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def error(self, tok: _Token, message: str) -> TextFormatError:
        return _error(self.text, self.source, tok.pos, tok.line, tok.col, message)

    def expect(self, punct: str, context: str) -> _Token:
        tok = self.next()
        if tok.kind != "punct" or tok.text != punct:
            raise self.error(tok, f"expected '{punct}' {context}, found {tok.describe()}")
        return tok

    # the main loop
    def parse(self, root_cls: type) -> Message:
        root = root_cls()
        stack = [_Frame(root, "", "", None)]
        while True:
            tok = self.next()
            frame = stack[-1]
            if tok.kind == "eof":
                if len(stack) > 1:
                    opened = frame.open_tok
                    assert opened is not None
                    raise self.error(
                        tok, f"expected '{frame.closer}' to close '{frame.field_name}' opened "
                             f"at line {opened.line}, column {opened.col}, found end of input")
                return root
            if tok.kind == "punct" and tok.text in "}>":
                if len(stack) == 1:
                    raise self.error(tok, f"unexpected '{tok.text}': no message is open here")
                if tok.text != frame.closer:
                    raise self.error(tok, f"expected '{frame.closer}' to close "
                                          f"'{frame.field_name}', found '{tok.text}'")
                stack.pop()
                self._skip_separator()
                continue
            if tok.kind != "ident":
                raise self.error(tok, f"expected a field name of {type(frame.msg).__name__}, "
                                      f"found {tok.describe()}")
            child = self._field(frame, tok)
            if child is not None:
                if len(stack) > MAX_NESTING:
                    assert child.open_tok is not None
                    raise self.error(
                        child.open_tok, f"messages nest more than {MAX_NESTING} deep here; "
                        "graphlab (like protobuf) refuses deeper text. A net nested in an "
                        "argument costs three levels (op, arg, n): flatten the nets.")
                stack.append(child)

    def _skip_separator(self) -> None:
        tok = self.peek()
        if tok.kind == "punct" and tok.text in ",;":
            self.next()

    def _field(self, frame: _Frame, name_tok: _Token) -> _Frame | None:
        cls = type(frame.msg)
        fields = _FIELDS[cls]
        name = name_tok.text
        if name not in fields:
            raise self.error(
                name_tok, f"{cls.__name__} has no field {name!r}." + did_you_mean(name, fields)
                + f" Its fields are: {', '.join(fields)}.")
        kind, repeated = fields[name]
        if not repeated:
            if name in frame.seen:
                raise self.error(name_tok, f"field {name!r} of {cls.__name__} is set twice; it "
                                           "holds one value")
            frame.seen[name] = None
        if isinstance(kind, type):
            tok = self.next()
            if tok.kind == "punct" and tok.text == ":":
                tok = self.next()
            if tok.kind != "punct" or tok.text not in "{<":
                raise self.error(tok, f"expected '{{' to open the {kind.__name__} '{name}', "
                                      f"found {tok.describe()}")
            child = kind()
            if isinstance(child, OperatorDef) and self.source:
                child.origin = f"{self.source}:{name_tok.line}"
            if repeated:
                getattr(frame.msg, name).append(child)
            else:
                setattr(frame.msg, name, child)
            return _Frame(child, "}" if tok.text == "{" else ">", name, tok)
        self.expect(":", f"after the field name '{name}'")
        if repeated and self.peek().kind == "punct" and self.peek().text == "[":
            self.next()
            values = getattr(frame.msg, name)
            if not (self.peek().kind == "punct" and self.peek().text == "]"):
                while True:
                    values.append(self._value(kind, name))
                    tok = self.next()
                    if tok.kind == "punct" and tok.text == "]":
                        break
                    if not (tok.kind == "punct" and tok.text == ","):
                        raise self.error(tok, f"expected ',' or ']' in the list '{name}', "
                                              f"found {tok.describe()}")
            else:
                self.next()
        elif repeated:
            getattr(frame.msg, name).append(self._value(kind, name))
        else:
            setattr(frame.msg, name, self._value(kind, name))
        self._skip_separator()
        return None

    def _value(self, kind: str, name: str) -> Any:
        tok = self.next()
        if kind == _STR:
            if tok.kind != "string":
                raise self.error(tok, f"expected a quoted string for '{name}', found "
                                      f"{tok.describe()}")
            parts = [tok.text]
            while self.peek().kind == "string":
                parts.append(self.next().text)
            return "".join(parts)
        if kind == _BOOL:
            if tok.kind == "ident" and tok.text in ("true", "True", "t"):
                return True
            if tok.kind == "ident" and tok.text in ("false", "False", "f"):
                return False
            if tok.kind == "number" and tok.text in ("0", "1"):
                return tok.text == "1"
            raise self.error(tok, f"expected true or false for '{name}', found {tok.describe()}")
        sign = 1
        first = tok
        if tok.kind == "punct" and tok.text == "-":
            sign = -1
            tok = self.next()
        if kind == _INT:
            value = None
            if tok.kind == "number" and re.fullmatch(r"0[xX][0-9a-fA-F]+", tok.text):
                digits = tok.text[2:].lstrip("0")
                value = sign * int(digits or "0", 16) if len(digits) <= 16 else _TOO_BIG
            elif tok.kind == "number" and tok.text.isdigit():
                digits = tok.text.lstrip("0")
                value = sign * int(digits or "0") if len(digits) <= 19 else _TOO_BIG
            if value is None:
                raise self.error(first, f"expected an integer for '{name}', found "
                                        f"{tok.describe()}")
            if not -(2**63) <= value < 2**63:
                shown = tok.text if len(tok.text) <= 24 else f"{tok.text[:20]}... " \
                                                              f"({len(tok.text)} digits)"
                raise self.error(first, f"integer {'-' if sign < 0 else ''}{shown} for "
                                        f"'{name}' does not fit in 64 bits (int64 holds "
                                        f"-{2**63} to {2**63 - 1})")
            return value
        # float
        if tok.kind == "ident" and tok.text.lower() in ("inf", "infinity", "nan"):
            value = float(tok.text.lower())
            return -value if sign < 0 else value
        if tok.kind == "number" and not tok.text.lower().startswith("0x"):
            value = float(tok.text.rstrip("fF"))
            return -value if sign < 0 else value
        raise self.error(first, f"expected a number for '{name}' (e.g. 0.5, 1e-08, inf, "
                                f"nan), found {tok.describe()}")


# ---- public API ----------------------------------------------------------------------------


def parse_net(text: str, source: str = "") -> NetDef:
    """Parse a NetDef from protobuf text (what ``print(net.Proto())`` shows).

    Args:
        text: the text.
        source: a file name for error messages; when given, each op's ``origin`` is set to
            ``source:line`` so errors from running it point into the file.

    Raises:
        TextFormatError: with ``line:column``, what was expected and what was found.
    """
    return _Parser(text, source).parse(NetDef)


def parse_op(text: str, source: str = "") -> OperatorDef:
    """Parse one OperatorDef from protobuf text (what ``print(op)`` shows)."""
    op = _Parser(text, source).parse(OperatorDef)
    if source:
        op.origin = f"{source}:1"
    return op


def save_net(net: Any, path: str | os.PathLike[str]) -> str:
    """Write a net (a ``core.Net`` or ``NetDef``) as text to ``path``, atomically.

    The text goes to a temporary file in the same directory, is flushed to disk and
    renamed over ``path`` (:func:`graphlab.files.atomic_write`: the file gets the mode
    ``open()`` would give it, a replaced file keeps its mode, a symbolic link is
    followed). Returns the absolute path written.

    Raises:
        GraphlabError: the file cannot be written (the message names ``path``); an
            existing file is then unchanged.
    """
    data = str(as_netdef(net)).encode("utf-8")
    return atomic_write(path, lambda f: f.write(data), GraphlabError, "net file")


def load_net(path: str | os.PathLike[str]) -> NetDef:
    """Read a net saved by :func:`save_net` (or any NetDef in text format).

    Each op's ``origin`` is ``<path>:<line>``, so an op that fails later names its line
    in the file. Wrap the result in ``core.Net(netdef)`` to extend it.

    Raises:
        TextFormatError: the text is malformed (message names ``path:line:column``).
        GraphlabError: the file does not exist, cannot be read, is a directory or is not
            UTF-8 text.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise GraphlabError(f"Net file {path!r} does not exist.") from None
    except IsADirectoryError:
        raise GraphlabError(f"Net file {path!r} is a directory; give the path of a file "
                            "written by save_net (e.g. 'train.pbtxt').") from None
    except OSError as exc:
        raise GraphlabError(f"Cannot read net file {path!r}: {describe_os_error(exc)}.") from exc
    if data.startswith(b"PK\x03\x04"):
        raise GraphlabError(f"{path!r} is a zip archive (a checkpoint?), not a net in text "
                            "format; read checkpoints with graphlab.checkpoint.read_checkpoint.")
    try:
        text = data.decode("utf-8-sig")  # a BOM (some Windows editors add one) is fine
    except UnicodeDecodeError as exc:
        raise GraphlabError(f"{path!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                            "a net file is protobuf text format.") from None
    return parse_net(text, source=path)

"""Attacks on the net text format (docs/saving.md): the parser raises only
``TextFormatError`` with a line and column, and nothing recurses on user data."""

from __future__ import annotations

import random
import re

import pytest

from graphlab import core
from graphlab.errors import ArgumentError
from graphlab.proto import (
    MAX_NESTING,
    Argument,
    NetDef,
    OperatorDef,
    make_argument,
    nesting_depth,
)
from graphlab.textformat import TextFormatError, parse_net, parse_op

_WHERE = re.compile(r"^line \d+, column \d+: ")


def _refused(text: str, pattern: str) -> TextFormatError:
    with pytest.raises(TextFormatError, match=pattern) as info:
        parse_net(text)
    assert _WHERE.match(str(info.value)), str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("escape", "pattern"),
    [(r"\UFFFFFFFF", "not a Unicode character"), (r"\U00110000", "not a Unicode character"),
     (r"\uD800", "not valid UTF-8")],
)
def test_escapes_beyond_unicode_are_text_format_errors(escape, pattern):
    """Before: OverflowError / ValueError from chr(), with no line or column."""
    err = _refused(f'name: "n"\nop {{ type: "{escape}" }}\n', pattern)
    assert str(err).startswith("line 2, column ")


def test_largest_unicode_escape_still_reads():
    assert parse_net(r'name: "\U0010FFFF"').name == "\U0010ffff"


@pytest.mark.parametrize(
    "literal", ["9" * 4301, "9" * 20, "9223372036854775808", "-9223372036854775809",
                "0x10000000000000000", "0x" + "f" * 5000])
def test_integers_beyond_int64_are_text_format_errors(literal):
    """Before: 4,301+ digits raised ValueError (Python's int-string limit), no position."""
    err = _refused(f'name: "n"\narg {{ name: "a" i: {literal} }}\n', "does not fit in 64 bits")
    assert str(err).startswith("line 2, column 20:")
    assert len(str(err)) < 600  # a huge literal is not echoed in full


@pytest.mark.parametrize("literal", ["9223372036854775807", "-9223372036854775808",
                                     "0x7fffffffffffffff", "000000000000000000000000042"])
def test_integers_inside_int64_read(literal):
    value = parse_net(f'arg {{ name: "a" i: {literal} }}').arg[0].i
    assert value == int(literal, 0) if literal.startswith("0x") else value == int(literal)


def _nested_text(levels: int) -> str:
    """``levels`` nets, each inside an argument of an op of the one around it."""
    return ('name: "outer"\n'
            + 'op { type: "Relu" arg { name: "net" n { name: "inner"\n' * levels
            + "} } }\n" * levels)


def test_five_thousand_deep_nesting_is_refused_clearly():
    """Before: it parsed, and printing it or building a Net hit RecursionError."""
    err = _refused(_nested_text(5000), f"nest more than {MAX_NESTING} deep")
    assert "flatten" in str(err)


def test_nesting_up_to_the_limit_parses_prints_and_builds_a_net():
    levels = MAX_NESTING // 3  # three message levels per nested net
    netdef = parse_net(_nested_text(levels))
    assert nesting_depth(netdef) == 3 * levels
    assert parse_net(str(netdef)) == netdef
    assert core.Net(netdef).Proto().op[0].type == "Relu"
    _refused(_nested_text(levels + 1), "nest more than")


def _hand_built(levels: int) -> NetDef:
    """A deep NetDef made from the dataclasses directly (no parser, no checks)."""
    net = NetDef(name="leaf")
    for _ in range(levels):
        net = NetDef(name="n", op=[OperatorDef(type="Relu", arg=[Argument(name="net", n=net)])])
    return net


def test_printing_and_measuring_never_recurse():
    deep = _hand_built(1500)  # 4,500 levels: far past Python's recursion limit
    text = str(deep)  # printing is iterative
    assert text.count("{") == 4500
    assert nesting_depth(deep) == 4500


def test_too_deep_nets_are_refused_where_they_enter():
    deep = _hand_built(MAX_NESTING)
    with pytest.raises(ArgumentError, match="nests"):
        core.Net(deep)
    with pytest.raises(ArgumentError, match="nests"):
        make_argument("net", deep)
    assert make_argument("net", _hand_built(MAX_NESTING // 3 - 1)).n is not None


def test_net_arguments_are_copied_so_a_net_cannot_contain_itself():
    net = core.Net("selfish")
    net.Relu("X", "Y")
    net.Proto().op[0].arg.append(make_argument("net", net))
    assert str(net.Proto()).count("selfish") == 2  # printing ends: the argument is a copy
    assert nesting_depth(net.Proto()) == 4  # op, arg, n, and the copied net's op


def test_parse_accepts_bytes_and_refuses_other_types():
    assert parse_net(b'name: "b"').name == "b"
    with pytest.raises(TextFormatError, match="not UTF-8"):
        parse_net(b'name: "\xff"')
    with pytest.raises(TypeError, match="as a str"):
        parse_net(42)  # type: ignore[arg-type]


def test_long_lines_are_shown_around_the_column():
    err = _refused('name: "' + "x" * 5000 + '" op { input: X }', "expected a quoted string")
    assert len(str(err)) < 500
    lines = str(err).splitlines()
    assert lines[2].index("^") == lines[1].index("X }")


def test_random_edits_of_a_net_raise_only_text_format_errors():
    """A deterministic sample of 3,000 small random edits of a real net's text: each
    parses (and then prints and re-parses) or raises TextFormatError with a position."""
    net = core.Net("fuzzed")
    net.FC(["X", "W", "b"], "Y", axis=1)
    net.GaussianFill([], "Z", shape=[2, 3], mean=0.5, std=1e-8)
    base = str(net.Proto()) + 'arg { name: "s" s: "a\\x41\\101\\u00e9" }\n'
    pieces = [*'{}<>[]:,;-"\'\\#\n xXuU0123456789abcdefnanif.eE+',
              "\\U", "\\u", "\\x", "\\0", "inf", "nan", "9" * 30, "0x", "n {", "op {"]
    rnd = random.Random(16)
    for _ in range(3000):
        chars = list(base)
        for _ in range(rnd.randint(1, 4)):
            pos = rnd.randrange(len(chars))
            roll = rnd.random()
            if roll < 0.4:
                chars.insert(pos, rnd.choice(pieces))
            elif roll < 0.7:
                del chars[pos]
            else:
                chars[pos] = rnd.choice(pieces)
        text = "".join(chars)
        try:
            netdef = parse_net(text)
        except TextFormatError as exc:
            assert _WHERE.match(str(exc)), (text, exc)
            continue
        parse_net(str(netdef))
    with pytest.raises(TextFormatError):
        parse_op("input: ")

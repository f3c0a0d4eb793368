"""Running a Caffe2 program under graphlab with only its import lines changed.

Used by the tests that execute tutorial and seed code as written (tests/test_tutorials.py,
tests/test_seed_program.py): :func:`port` rewrites the imports and proves nothing else
changed, :func:`run_program` executes the result and captures what it printed.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from typing import Any

_IMPORT = re.compile(r"^(?P<head>\s*from )caffe2\.python(?P<tail>[.\w]*) import ", re.M)
_PB2 = re.compile(r"^(?P<head>\s*)from caffe2\.proto import caffe2_pb2$", re.M)


def port(source: str) -> str:
    """Change only the import lines: ``from caffe2.python[.mod] import ...`` → ``from
    graphlab[.mod] import ...`` and ``from caffe2.proto import caffe2_pb2`` → ``from graphlab
    import caffe2_pb2``.

    Raises:
        AssertionError: nothing to change, or a caffe2 module is used outside an import line.
    """
    ported = _IMPORT.sub(lambda m: f"{m['head']}graphlab{m['tail']} import ", source)
    ported = _PB2.sub(lambda m: f"{m['head']}from graphlab import caffe2_pb2", ported)
    changed = [
        (a, b) for a, b in zip(source.splitlines(), ported.splitlines(), strict=True) if a != b
    ]
    assert changed, "the program has no caffe2 import to change"
    for before, _ in changed:
        assert re.match(r"\s*from caffe2\.(python|proto)\b.* import ", before), before
    leftover = [ln for ln in ported.splitlines() if re.search(r"\bcaffe2\.(python|proto)", ln)]
    assert not leftover, f"a caffe2 module is used outside an import line: {leftover}"
    return ported


def run_program(source: str, name: str) -> tuple[dict[str, Any], str]:
    """Port ``source``, execute it, and return its namespace and everything it printed."""
    code = compile(port(textwrap.dedent(source)), f"<{name}>", "exec")
    namespace: dict[str, Any] = {"__name__": name}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, namespace)  # noqa: S102 - running the tutorial is the point
    return namespace, out.getvalue()

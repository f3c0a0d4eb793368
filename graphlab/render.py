"""Turn DOT text into picture bytes: find a ``dot`` program, run it, check what it made.

This module's one job is rendering; building the picture (ops, blobs, styles) is
:mod:`graphlab.net_drawer`'s. Everything here works on a ``pydot`` graph or plain DOT
text:

* :func:`find_dot` picks the renderer: an explicit choice, ``$GRAPHLAB_DOT``, the
  self-contained ``graphviz-pure`` program installed next to the interpreter by the
  ``graphviz-pure`` wheel (so no system Graphviz is needed), or a system ``dot``;
* :func:`render` runs it with a size cap (:func:`size_cap`) and, for big nets, a fast
  layout (:data:`FAST_LAYOUT_ATTRS`), and checks that the bytes really are a PNG/SVG;
* :func:`GetGraphPngSafe` is Caffe2's never-raising wrapper (a blank PNG on failure).

A graph may carry five rendering hints as attributes, as
:class:`graphlab.net_drawer.NetGraph` does: ``n_ops`` (the number of ops drawn, which sets the
size cap and is checked against ``max_ops``, default :data:`MAX_DRAW_OPS`; ``n_ops``
defaults to the number of nodes),
``span`` (how many op steps its edges span in total, checked against
:data:`MAX_LAYOUT_SPAN`), ``fast_layout`` (True/False forces the fast layout on/off; None:
only for nets of more than :data:`FAST_LAYOUT_OPS` ops) and ``size_capped`` (False: draw at
natural size, no cap).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pydot

from .errors import GraphlabError

__all__ = [
    "DOT_ENV_VAR",
    "FAST_LAYOUT_ATTRS",
    "FAST_LAYOUT_OPS",
    "MAX_DRAW_OPS",
    "MAX_LAYOUT_SPAN",
    "MAX_SIZE_INCHES",
    "NetTooBigError",
    "RenderError",
    "RendererNotFoundError",
    "GetGraphPngSafe",
    "find_dot",
    "render",
    "size_cap",
]

# ---- finding a renderer ----------------------------------------------------------------

#: Environment variable naming a ``dot`` executable to use instead of graphviz-pure.
DOT_ENV_VAR = "GRAPHLAB_DOT"
_PURE_NAME = "graphviz-pure"


class RendererNotFoundError(GraphlabError):
    """No program to turn DOT text into a picture was found."""


class RenderError(GraphlabError):
    """The renderer ran but did not produce a picture."""


class NetTooBigError(RenderError):
    """The net has too many ops to lay out in a few seconds; the message says what to do."""


def _exe_name(base: str) -> str:
    return base + ".exe" if os.name == "nt" else base


def _interpreter_dirs() -> list[Path]:
    """Folders where pip puts console scripts for the running interpreter, in order.

    A Jupyter kernel's PATH may not include its venv's ``bin``, so look by location.
    """
    dirs: list[Path] = []
    if sys.executable:
        dirs.append(Path(sys.executable).parent)
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path(
                "scripts")
        except KeyError:
            continue
        if scripts:
            dirs.append(Path(scripts))
    return list(dict.fromkeys(dirs))


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_dot(dot: str | os.PathLike[str] | None = None) -> str:
    """Absolute path of the program that renders DOT, chosen in this order:

    1. ``dot``, the argument (a path, or a name looked up on PATH);
    2. the ``GRAPHLAB_DOT`` environment variable (same);
    3. ``graphviz-pure`` next to the running interpreter (the ``graphviz-pure`` wheel, a
       graphlab dependency: a static, self-contained port of Graphviz's ``dot``), then
       ``graphviz-pure`` on PATH;
    4. a system Graphviz ``dot`` on PATH.

    Raises:
        RendererNotFoundError: an explicit choice (1, 2) does not exist, or nothing was
            found; the message names every route.
    """
    for source, choice in (("argument", dot), (DOT_ENV_VAR, os.environ.get(DOT_ENV_VAR))):
        if choice is None or str(choice) == "":
            continue
        path = Path(choice)
        if _is_executable(path):
            return str(path.resolve())
        found = shutil.which(str(choice))
        if found:
            return str(Path(found).resolve())
        raise RendererNotFoundError(
            f"The renderer named by {source} ({str(choice)!r}) is not an executable file or "
            f"a program on PATH. Give the full path of a Graphviz 'dot', or unset "
            f"{DOT_ENV_VAR} to use graphviz-pure."
        )
    for folder in _interpreter_dirs():
        candidate = folder / _exe_name(_PURE_NAME)
        if _is_executable(candidate):
            return str(candidate)
    for name in (_PURE_NAME, "dot"):
        found = shutil.which(name)
        if found:
            return str(Path(found).resolve())
    looked = ", ".join(str(d) for d in _interpreter_dirs()) or "(no interpreter folder)"
    raise RendererNotFoundError(
        "No renderer for net drawings was found. Tried: "
        f"(1) an explicit dot= argument and the {DOT_ENV_VAR} environment variable (unset); "
        f"(2) '{_PURE_NAME}' next to the Python interpreter (in {looked}) and on PATH; "
        "(3) Graphviz 'dot' on PATH. "
        f"Fix: `{Path(sys.executable).name} -m pip install graphviz-pure` in this environment "
        f"(no system Graphviz needed), or install Graphviz and set {DOT_ENV_VAR}=/path/to/dot."
        " The DOT text itself needs no renderer: graph.to_string()."
    )


# ---- rendering -------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIGNATURES = {"png": _PNG_SIGNATURE, "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}

#: Drawings grow with the net but never beyond this many inches on their long side.
MAX_SIZE_INCHES = 60.0


def size_cap(n_ops: int) -> float:
    """Largest side of the picture, in inches, for a net of ``n_ops`` ops.

    Small nets keep their natural size (14 in, about 1300 px, fits a notebook), big nets
    may grow by 0.6 in per op up to :data:`MAX_SIZE_INCHES` (about 5800 px). Uncapped, a
    300-op chain lays out ~95000 px wide and takes minutes and gigabytes to rasterise;
    capped it renders in well under a second.
    """
    return float(min(MAX_SIZE_INCHES, max(14.0, 8.0 + 0.6 * n_ops)))


#: Above this many ops a drawing uses the fast layout (see :func:`render`).
FAST_LAYOUT_OPS = 60

#: Graphviz attributes of the fast layout. Long edges (a blob made early and read by an
#: op far later, as every forward activation is by its gradient op) become chains of
#: virtual nodes, and Graphviz's positioning and spline routing grow about quadratically
#: with them. Measured with graphviz-pure on an FC+Relu net with gradients and SGD
#: updates: 80 ops 1.9 s (5.8 s teaching style) → 0.4 s; 158 ops over 120 s → 1 s;
#: 308 ops → about 5 s.
FAST_LAYOUT_ATTRS: dict[str, str] = {
    "nslimit": "0.2",
    "nslimit1": "0.2",
    "mclimit": "0.05",
    "splines": "line",
}


def _layout_args(graph: pydot.Dot) -> list[str]:
    """``-G`` flags for the size cap and, for big nets, the fast layout.

    Attributes the graph already sets win over these defaults.
    """
    own = graph.get_attributes()
    n_ops = getattr(graph, "n_ops", None)  # a NetGraph's hint (see the module docstring)
    if n_ops is None:
        n_ops = len(graph.get_node_list())
    flags: dict[str, str] = {}
    if getattr(graph, "size_capped", True):
        cap = size_cap(n_ops)
        flags["size"] = f"{cap:g},{cap:g}"
    fast = getattr(graph, "fast_layout", None)
    if (n_ops > FAST_LAYOUT_OPS if fast is None else fast):
        flags.update(FAST_LAYOUT_ATTRS)
    return [f"-G{key}={value}" for key, value in flags.items() if key not in own]


#: Graphs of more ops than this are not laid out: it would take from tens of seconds to
#: minutes, and no picture of them can be read. Measured with graphviz-pure on a chain of
#: FC and Relu ops: 2000 ops 2.7 s (PNG), 5000 ops 24 s (PNG) or 10 s (SVG).
MAX_DRAW_OPS = 2000

#: Graphs whose edges span more op steps than this in total are not laid out either. An
#: edge from op j's output to op i's input spans ``i - j`` steps; Graphviz lays out every
#: step of a long edge as an extra (virtual) node, and its time grows faster than their
#: number. A training net is full of long edges (each forward activation is read again by
#: its gradient op). Measured on FC+Relu nets with gradients and SGD updates, fast
#: layout: 155 ops (span 5 257) 1.5 s, 305 ops (span 20 507) about 5 s, 605 ops (span
#: 81 007) 57 s.
MAX_LAYOUT_SPAN = 25_000


def _too_big_message(n_ops: int, span: int, limit: int) -> str:
    if n_ops > limit:
        why = (f"This drawing has {n_ops} ops; drawings like it are limited to {limit} ops, "
               "because laying out more takes from tens of seconds to minutes and no picture "
               "of them can be read.")
    else:
        why = (f"This drawing's {n_ops} ops are joined by long edges (each forward "
               f"activation read again by its gradient op): together they span {span} op "
               f"steps, over the limit of {MAX_LAYOUT_SPAN}, and laying that out takes from "
               "tens of seconds to minutes.")
    return (
        f"{why} Draw a part instead: net_drawer.show(net, ops=slice(0, 100)), "
        "GetPydotGraph(net.Proto().op[:100]), only the forward ops "
        "(show(net, forward_only=True)), or only the ops (GetPydotGraphMinimal(net, "
        "minimal_dependency=True)); or pass check_size=False to render() to try anyway."
    )


def _looks_like(data: bytes, fmt: str) -> bool:
    if fmt in _SIGNATURES:
        return data.startswith(_SIGNATURES[fmt])
    if fmt == "svg":
        return b"<svg" in data[:2048]
    return len(data) > 0


def render(
    graph: pydot.Dot | str,
    format: str = "png",  # the word every Graphviz tool uses
    dot: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 120.0,
    extra_args: Sequence[str] = (),
    check_size: bool = True,
) -> bytes:
    """Run the renderer (:func:`find_dot`) on ``graph`` (a pydot graph or DOT text).

    Unless the graph sets its own ``size``, the picture is capped at
    :func:`size_cap` inches (from the graph's ``n_ops`` hint). Nets of
    more than :data:`FAST_LAYOUT_OPS` ops (or ``fast_layout=True``) are laid out with
    Graphviz's iteration limits and straight edges (:data:`FAST_LAYOUT_ATTRS`).

    With ``check_size`` (the default), a graph whose ``n_ops`` hint is above its
    ``max_ops`` hint (default :data:`MAX_DRAW_OPS`), or whose ``span`` hint (the op
    steps its edges span) is above :data:`MAX_LAYOUT_SPAN`, is refused at once with
    :class:`NetTooBigError`, whose message says why and what to draw instead.

    Raises:
        RendererNotFoundError: no renderer (see :func:`find_dot`).
        NetTooBigError: too many ops to lay out in a few seconds.
        RenderError: the renderer failed, timed out, or its output is not a ``format``
            file; the message includes its stderr and, where known, what it means.
    """
    n_ops = getattr(graph, "n_ops", 0)
    span = getattr(graph, "span", 0)
    limit = getattr(graph, "max_ops", MAX_DRAW_OPS)
    if check_size and (n_ops > limit or span > MAX_LAYOUT_SPAN):
        raise NetTooBigError(_too_big_message(n_ops, span, limit))
    exe = find_dot(dot)
    text = graph if isinstance(graph, str) else graph.to_string()
    args = [exe, f"-T{format}"]
    if Path(exe).name.startswith(_PURE_NAME):
        args.insert(1, "-Kdot")  # one program, eight engines: ask for dot's layout
    if isinstance(graph, pydot.Dot):
        args += _layout_args(graph)
    args += list(extra_args)
    try:
        proc = subprocess.run(
            args, input=text.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{exe} did not finish drawing within {timeout:g} s. Draw fewer ops (e.g. "
            "GetPydotGraphMinimal, or net.Proto().op[:50]) or raise timeout=."
        ) from None
    except OSError as e:
        raise RenderError(f"Could not run the renderer {exe}: {e}") from None
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not _looks_like(proc.stdout, format):
        why = f"exit code {proc.returncode}" if proc.returncode else f"no {format} data"
        meaning = ""
        if "invalid size" in stderr:
            meaning = (
                "\nThis means the picture, shrunk to fit the size cap, came out less than a "
                "pixel on one side (a very long, thin net). Draw fewer ops (net.Proto().op[:100]"
                ", or show(net, ops=slice(0, 100))), use rankdir=\"TB\", or render as SVG."
            )
        raise RenderError(
            f"{exe} failed to draw the graph as {format} ({why}). Its stderr:\n"
            f"{stderr or '(empty)'}{meaning}"
        )
    return proc.stdout


def GetGraphPngSafe(func: Callable[..., pydot.Dot], *args: Any, **kwargs: Any) -> bytes:  # noqa: N802
    """PNG bytes of ``func(*args, **kwargs).create_png()``, or a 1×1 blank PNG on failure.

    Like Caffe2's helper: a failure is reported on stderr, never raised.
    """
    try:
        return func(*args, **kwargs).create_png()
    except Exception as e:  # "safe" is the point of this helper
        print(f"Failed to draw graph: {e}", file=sys.stderr)
        return _BLANK_PNG


_BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)

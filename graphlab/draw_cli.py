"""The ``graphlab-draw`` command: draw a net saved as protobuf text into ``.dot`` and ``.png``.

This module's one job is the command line; the picture comes from
:mod:`graphlab.net_drawer` and the PNG from :mod:`graphlab.render`. Run it as
``graphlab-draw ...`` or ``graphlab draw ...`` (the console scripts) or
``python -m graphlab.draw_cli ...`` (``net_drawer`` has no ``main``: it would import this
module, which imports it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .net_drawer import STYLES, GetPydotGraph, GetPydotGraphMinimal
from .render import DOT_ENV_VAR, RendererNotFoundError, RenderError, render

__all__ = ["main"]


def _file_stem(name: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|' else ch for ch in name) or "unnamed"


def main(argv: Sequence[str] | None = None, prog: str = "graphlab-draw") -> int:
    """``graphlab-draw --input net.pbtxt [--output_prefix out/] [--minimal] ...``

    Also run as ``graphlab draw ...`` (``prog`` names the command in the help text).

    Reads a net saved in protobuf text format (``str(net.Proto())``), writes
    ``<prefix><name>.dot`` and ``<prefix><name>.png``. If the PNG cannot be made the
    ``.dot`` file is still written and the exit status is 1.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description="Draw a graphlab/Caffe2 net saved as protobuf text."
    )
    parser.add_argument("--input", required=True, help="a NetDef in protobuf text format")
    parser.add_argument("--output_prefix", default="", help="prefix of the output files")
    parser.add_argument("--minimal", action="store_true", help="draw ops only")
    parser.add_argument(
        "--minimal_dependency", action="store_true",
        help="with --minimal: keep only direct dependencies",
    )
    parser.add_argument(
        "--append_output", action="store_true", help="list outputs in op labels"
    )
    parser.add_argument(
        "--rankdir", default=None,
        help="LR, TB, RL or BT (default: LR for classic, TB for teaching)",
    )
    parser.add_argument(
        "--style", default="classic", choices=STYLES,
        help="classic (Caffe2's look) or teaching (ops in order, roles, legend)",
    )
    parser.add_argument("--dot", default=None, help=f"renderer to use (else ${DOT_ENV_VAR})")
    args = parser.parse_args(argv)

    from .textformat import parse_net

    net = parse_net(Path(args.input).read_text(encoding="utf-8"))
    if args.minimal:
        graph = GetPydotGraphMinimal(
            net, rankdir=args.rankdir, minimal_dependency=args.minimal_dependency,
            style=args.style, append_output=args.append_output,
        )
    else:
        graph = GetPydotGraph(
            net, rankdir=args.rankdir, style=args.style, append_output=args.append_output
        )
    stem = args.output_prefix + _file_stem(graph.net_name)
    Path(stem + ".dot").write_text(graph.to_string(), encoding="utf-8")
    print(f"wrote {stem}.dot")
    try:
        Path(stem + ".png").write_bytes(render(graph, "png", dot=args.dot))
    except (RendererNotFoundError, RenderError) as e:
        print(f"Could not draw {stem}.png ({e}); the .dot file was written.", file=sys.stderr)
        return 1
    print(f"wrote {stem}.png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

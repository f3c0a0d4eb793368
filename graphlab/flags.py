"""Caffe2's command-line flags, as ``GlobalInit(["caffe2", "--caffe2_log_level=0"])`` gets them.

graphlab has no C++ runtime for the flags to configure: ``core.GlobalInit`` and
``workspace.GlobalInit`` check them here and warn that they are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ArgumentError, did_you_mean

__all__ = ["caffe2_flags"]

#: glog/gflags flags Caffe2 programs pass besides the ``--caffe2_*`` family.
_LOGGING_FLAGS = ("v", "minloglevel", "logtostderr", "alsologtostderr", "stderrthreshold",
                  "log_dir", "vmodule")


def caffe2_flags(args: Sequence[str]) -> list[str]:
    """The Caffe2 flags in an argv-style list (``args[0]`` is the program name).

    Arguments that are not flags are skipped, as gflags left them alone.

    Raises:
        ArgumentError: ``args`` is a string, or holds a flag that is neither a
            ``--caffe2_...`` flag nor one of glog's (``--v``, ``--minloglevel``, ...):
            Caffe2 refused unknown flags too.
    """
    if isinstance(args, str) or not all(isinstance(a, str) for a in args):
        raise ArgumentError(f"GlobalInit takes a list of strings like sys.argv, got {args!r}; "
                            "write e.g. GlobalInit(['caffe2', '--caffe2_log_level=0']).")
    flags = []
    for arg in list(args)[1:]:
        if not arg.startswith("-"):
            continue
        name = arg.lstrip("-").split("=", 1)[0]
        if not (name.startswith("caffe2_") or name in _LOGGING_FLAGS):
            raise ArgumentError(
                f"GlobalInit: unknown flag {arg!r}. Caffe2's flags start with --caffe2_ "
                "(e.g. --caffe2_log_level=0)." + did_you_mean(name, _LOGGING_FLAGS)
            )
        flags.append(arg)
    return flags

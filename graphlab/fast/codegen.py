"""Writing a compiled net as Python source: the functions ``RunNet`` executes.

:class:`graphlab.fast.plan.Plan` compiles each op into a step (its bound kernel, inputs and
outputs); this module turns the list of steps into source text with one line per op
(plus a few for ops that may leave an output deferred):

* :func:`generate`: the *checked* function ``_run(store, n, first=0)``, which reads and
  writes the workspace's blob dict and calls each op's checked kernel (optionally with
  the divergence guard's finiteness checks after each op);
* :func:`generate_trusted`: the *trusted* function ``_run(store, n, first, keep)``, which
  first makes sure the net's carried blobs are the objects in ``keep``, then calls each
  op's trusted kernel with blob values in local variables.

Each returns the source, a map from source line to op index (so a failure is traced to
its op) and the constants the source refers to (kernels, argument values). Nothing here
runs anything; see :mod:`graphlab.fast.plan` for the rules the functions follow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Step

__all__ = ["generate", "generate_trusted"]


def _literal(value: Any) -> str | None:
    """Python source for a simple argument value, or None if it needs a constant."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return None


def generate(
    steps: Sequence[Step], carried: Sequence[str], guard: bool
) -> tuple[str, dict[int, int], dict[str, Any]]:
    """Source of ``_run(store, n, first=0)``, its line → step-index map and constants.

    ``store`` is the workspace's :class:`~graphlab.fast.blobstore.BlobStore`; the function
    works on its plain dict ``store.raw`` (called ``blobs`` there) after computing any
    deferred blob among ``carried`` (the blobs the net reads before writing them).
    """
    src = ["def _run(store, n, first=0):", "    blobs = store.raw"]
    if carried:
        src.append(f"    store.materialize({tuple(carried)!r})")
    src.append("    for _it in range(first, n):")
    lines: dict[int, int] = {}
    constants: dict[str, Any] = {}
    for step in steps:
        i = step.index
        constants[f"_f{i}"] = step.fn
        args = [f"blobs[{name!r}]" for name in step.inputs]
        args += _keyword_source(step, constants)
        first = len(src) + 1
        body = _step_source(step, args, guard, constants)
        src += [f"        {line}" for line in body]
        for ln in range(first, len(src) + 1):
            lines[ln] = i
    if not steps:
        src.append("        pass")
    return "\n".join(src) + "\n", lines, constants


def _keyword_source(step: Step, constants: dict[str, Any]) -> list[str]:
    """The keyword arguments of a plain-kernel call, as source."""
    i = step.index
    out = []
    for key, value in step.kwargs.items():
        text = _literal(value)
        if text is None:
            text = f"_c{i}_{len(constants)}"
            constants[text] = value
        out.append(f"{key}={text}" if key.isidentifier() else f"**{{{key!r}: {text}}}")
    return out


def generate_trusted(
    steps: Sequence[Step], carried: Sequence[str], guarded: Sequence[tuple[int, int]] = ()
) -> tuple[str, dict[int, int], dict[str, Any]]:
    """Source of the trusted ``_run(store, n, first, keep)`` (see *Trusted runs*).

    It returns False, doing nothing, unless every carried blob is still the object in
    ``keep``. Then it runs the ops' trusted kernels with blob values kept in local
    variables (each output is still stored in ``blobs`` as soon as its op returns, so a
    failing op leaves the workspace as the checked function would), refreshes ``keep``
    and returns True.

    ``guarded`` lists (step index, output index) pairs whose layout is compared, right
    after the op, with the one the last checked run saw (``_L[j]``, in the same order):
    the outputs of ops that run their plain kernel, which may not know that a trusted run
    relies on layouts following from layouts. On a difference the function hands over to
    ``_resume`` (which finishes the run with checks) and returns None.
    """
    checks: dict[int, list[tuple[int, int]]] = {}  # step index -> [(output, slot in _L)]
    for j, (i, k) in enumerate(guarded):
        checks.setdefault(i, []).append((k, j))
    names: dict[str, str] = {}  # blob -> local variable

    def var(blob: str) -> str:
        v = names.get(blob)
        if v is None:
            ok = blob.isidentifier() and blob.isascii()
            v = names[blob] = f"b_{blob}" if ok else f"b{len(names)}"
        return v

    src = ["def _run(store, n, first, keep):", "    blobs = store.raw"]
    src += [f"    {var(name)} = _get(blobs, {name!r})" for name in carried]
    same = [f"{var(name)} is keep[{k}]" for k, name in enumerate(carried)]
    if same:
        # one source line per list item: the line numbers map failures to ops
        src += [f"    {'if not (' if k == 0 else '        and '}{test}"
                for k, test in enumerate(same)]
        src[-1] += "):"
        src.append("        return False")
    src += ["    _recipes = store.recipes",
            "    for _it in range(first, n):"]
    lines: dict[int, int] = {}
    constants: dict[str, Any] = {}
    for step in steps:
        i = step.index
        constants[f"_f{i}"] = getattr(step.fn, "trusted", step.fn)
        call = f"_f{i}({', '.join([*map(var, step.inputs), *_keyword_source(step, constants)])})"
        body: list[str] = []
        if step.deferrable:
            constants[f"_rc{i}"] = step.recompute
            n_in = len(step.inputs)
            body.append(f"_in = ({', '.join(map(var, step.inputs))}{',' if n_in == 1 else ''})")
        # a deferrable output goes to its own temporary _d<k> (it may come back None)
        targets = [(f"_d{k}" if k in step.deferrable else var(name))
                   for k, name in enumerate(step.outputs)]
        if not targets:
            body.append(call)
        elif step.single:
            body.append(f"{targets[0]} = {call}")
        else:
            body.append(f"{', '.join(targets)} = {call}")
        for k, (name, t) in enumerate(zip(step.outputs, targets)):
            if k in step.deferrable:
                body.append(f"if {t} is None: _pop(blobs, {name!r}, None); "
                            f"_recipes[{name!r}] = (_rc{i}, _in, {k})")
                body.append(f"else: blobs[{name!r}] = {t}")
            else:
                body.append(f"blobs[{name!r}] = {t}")
        if step.deferrable:
            body.append(" = ".join([*(f"_d{k}" for k in step.deferrable), "_in", "None"]))
        for k, j in checks.get(i, []):
            body.append(f"if _layout({targets[k]}) != _L[{j}]: "
                        f"return _resume(store, {i + 1}, _it, n)")
        first = len(src) + 1
        src += [f"        {line}" for line in body]
        for ln in range(first, len(src) + 1):
            lines[ln] = i
    # drop the values only this iteration uses: a live reference stops buffer reuse
    temps = [v for blob, v in names.items() if blob not in carried]
    src.append(f"        {' = '.join(temps)} = None" if temps else "        pass")
    src.append(f"    keep[:] = [{', '.join(var(name) for name in carried)}]")
    src.append("    return True")
    return "\n".join(src) + "\n", lines, constants


def _step_source(step: Step, args: list[str], guard: bool, constants: dict[str, Any]) -> list[str]:
    i = step.index
    targets = [f"blobs[{name!r}]" for name in step.outputs]
    if not step.deferrable and not guard:
        call = f"_f{i}({', '.join(args)})"
        return [f"{', '.join(targets)} = {call}" if targets else call]
    body = []
    if step.deferrable:
        constants[f"_s{i}"] = step
        n_in = len(step.inputs)
        body.append(f"_in = ({', '.join(args[:n_in])}{',' if n_in == 1 else ''})")
        args = ["*_in", *args[n_in:]]
    body.append(f"_r = _f{i}({', '.join(args)})")
    outs = ["_r"] if step.single else [f"_o{k}" for k in range(len(targets))]
    if len(outs) > 1:
        body.append(f"{', '.join(outs)} = _r")
    if guard:
        for k, o in enumerate(outs):
            check = f"_nonfinite({o})"
            if k in step.deferrable:
                check = f"{o} is not None and {check}"
            body.append(f"if {check}: raise _DivergedError({k}, {o})")
    for k, (o, t) in enumerate(zip(outs, targets)):
        if k in step.deferrable:
            name = step.outputs[k]
            body.append(f"if {o} is None: _pop(blobs, {name!r}, None); "
                        f"store.recipes[{name!r}] = (_s{i}.recompute, _in, {k})")
            body.append(f"else: {t} = {o}")
        else:
            body.append(f"{t} = {o}")
    # drop the temporaries: a live reference would stop the next run reusing buffers
    temps = ["_r", *(outs if len(outs) > 1 else []), *(["_in"] if step.deferrable else [])]
    body.append(" = ".join(temps) + " = None")
    return body

"""Every op case of ``tests/cases_*.py``, run in graphlab and in real Caffe2, compared.

The cases are collected generically (every ``CASES`` dict of every ``cases_<family>.py``),
so an op another module adds later is compared as soon as both systems have it. All cases
run in ONE Caffe2 process; for each case:

* **forward**: the op runs once (``RunOperatorOnce``) on the case's inputs. Where Caffe2
  rejects a float64 input, both systems run a float32 copy instead. Compared: whether it
  raised, the output count, and each output's shape, dtype and values (floats to rtol 1e-5,
  integers and strings exactly).
* **gradient** (for the cases the generic tests gradient-check): a net holding the op gets
  ``AddGradientOperators({output: "<output>_grad"})``; the emitted ops are compared field
  by field (type, inputs, outputs, name, arguments, is_gradient_op), then the net runs on
  the same inputs and output gradients and every blob the gradient ops write is compared.

Keys: ``forward:<Op>/<case>:<field>`` and ``gradient:<Op>/<case>:<field>``.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from caffe2_oracle import Caffe2Error, requires_caffe2, run_caffe2
from fidelity_lib import CAFFE2_OP_RECORD, check, compare_arrays, compare_records, op_record
from op_case import Case

from graphlab import core, workspace
from graphlab.gradient_checker import op_blob_names
from graphlab.registry import get_schema, has_op

TESTS = Path(__file__).resolve().parent.parent


@cache
def collect_cases() -> list[tuple[str, str, Case]]:
    """``(op type, case id, case)`` for every case of every ``tests/cases_*.py``."""
    found = []
    for path in sorted(TESTS.glob("cases_*.py")):
        module = importlib.import_module(path.stem)
        for op_type, cases in getattr(module, "CASES", {}).items():
            for k, case in enumerate(cases):
                found.append((op_type, case.id or str(k), case))
    return found


def _n_outputs(case: Case, inputs: list[np.ndarray]) -> int:
    if case.n_outputs is not None:
        return case.n_outputs
    result = case.reference(*[x.copy() for x in inputs], **case.args)
    return len(result) if isinstance(result, tuple) else 1


def _gradient_outputs(op_type: str, case: Case, inputs: list[np.ndarray], n_out: int) -> list[int]:
    """Outputs that get a gradient: for the cases the generic tests gradient-check, and
    every output of an op that has no gradient (does reaching it raise, as in Caffe2?)."""
    if not has_op(op_type):
        return []
    if not get_schema(op_type).differentiable:
        return list(range(n_out))
    if case.skip_grad:
        return []
    if case.grad_inputs is None and not any(x.dtype.kind == "f" for x in inputs):
        return []
    return list(case.grad_outputs) if case.grad_outputs is not None else list(range(n_out))


def _plain_args(args: dict[str, Any]) -> dict[str, Any]:
    """Case arguments as JSON values (NumPy scalars and arrays unwrapped)."""
    plain = {}
    for name, value in args.items():
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, tuple):
            value = list(value)
        plain[name] = value
    return plain


@cache
def prepared() -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Every case as plain data for the Caffe2 program, and the input arrays by key."""
    specs, arrays = [], {}
    for n, (op_type, case_id, case) in enumerate(collect_cases()):
        if not has_op(op_type):
            continue
        inputs = [np.asarray(x) for x in case.make_inputs(np.random.default_rng(0))]
        n_out = _n_outputs(case, inputs)
        in_names, out_names = op_blob_names(op_type, len(inputs), n_out, case.inplace)
        keys = []
        for i, x in enumerate(inputs):
            keys.append(f"c{n}_in{i}")
            arrays[keys[-1]] = x
        specs.append({
            "key": f"{op_type}/{case_id}", "n": n, "type": op_type, "inputs": in_names,
            "outputs": out_names, "args": _plain_args(case.args), "arrays": keys,
            "grad_outputs": _gradient_outputs(op_type, case, inputs, n_out),
        })
    return specs, arrays


CAFFE2_PROGRAM = CAFFE2_OP_RECORD + '''
from caffe2.python import core, workspace

known = set(workspace.RegisteredOperators())
results = {}

def feed(spec, float32):
    workspace.ResetWorkspace()
    for name, key in zip(spec["inputs"], spec["arrays"]):
        x = INPUTS[key]
        if float32 and x.dtype == np.float64:
            x = x.astype(np.float32)
        workspace.FeedBlob(name, x)

def forward(spec, float32):
    feed(spec, float32)
    op = core.CreateOperator(spec["type"], spec["inputs"], spec["outputs"], **spec["args"])
    workspace.RunOperatorOnce(op)
    return [to_plain(workspace.FetchBlob(b)) for b in spec["outputs"]]

def gradient(spec, res, float32):
    n = spec["n"]
    op = core.CreateOperator(spec["type"], spec["inputs"], spec["outputs"], **spec["args"])
    net = core.Net("fidelity_%d" % n)
    net.Proto().op.extend([op])
    seeds = {spec["outputs"][j]: spec["outputs"][j] + "_grad" for j in spec["grad_outputs"]}
    try:
        net.AddGradientOperators(seeds)
    except Exception as exc:
        res["grad_error"] = type(exc).__name__ + ": " + str(exc).splitlines()[0]
        return
    grad_ops = [op_record(g) for g in net.Proto().op[1:]]
    res["grad_ops"] = grad_ops
    feed(spec, float32)
    for k, (out, grad) in enumerate(seeds.items()):
        shape = OUTPUTS["c%d_out%d" % (n, spec["outputs"].index(out))].shape
        dtype = OUTPUTS["c%d_out%d" % (n, spec["outputs"].index(out))].dtype
        seed = np.cos(np.arange(int(np.prod(shape))) * 0.7 + k).reshape(shape).astype(dtype)
        OUTPUTS["c%d_seed%d" % (n, k)] = seed
        workspace.FeedBlob(grad, seed)
    try:
        workspace.RunNetOnce(net)
    except Exception as exc:
        res["grad_run_error"] = type(exc).__name__ + ": " + str(exc).splitlines()[0]
        return
    written = []
    for g in grad_ops:
        for b in g["output"]:
            if b not in written:
                written.append(b)
    res["grad_blobs"] = written
    for j, b in enumerate(written):
        OUTPUTS["c%d_grad%d" % (spec["n"], j)] = to_plain(workspace.FetchBlob(b))

import sys
specs, aborted = PARAMS["specs"], PARAMS["aborted"]
for spec in specs:
    res = results[spec["key"]] = {}
    if spec["key"] in aborted:
        res["error"] = "Caffe2 aborted the process: " + aborted[spec["key"]]
        continue
    print("FIDELITY-CASE " + spec["key"], file=sys.stderr, flush=True)
    if spec["type"] not in known:
        res["missing"] = True
        continue
    has_f64 = any(INPUTS[k].dtype == np.float64 for k in spec["arrays"])
    errors = []
    for float32 in ([False, True] if has_f64 else [False]):
        try:
            outs = forward(spec, float32)
        except Exception as exc:
            errors.append(type(exc).__name__ + ": " + str(exc).splitlines()[0][:300])
            continue
        res["float32"] = float32
        for j, value in enumerate(outs):
            OUTPUTS["c%d_out%d" % (spec["n"], j)] = value
        if spec["grad_outputs"]:
            gradient(spec, res, float32)
        break
    else:
        res["error"] = errors[-1]

OUTPUTS["results"] = results
'''


@cache
def caffe2_results() -> dict[str, Any]:
    """Caffe2's results; a case that aborts the whole process (a failed CHECK in C++) is
    recorded as an error and the program runs again without it."""
    specs, arrays = prepared()
    aborted: dict[str, str] = {}
    while True:
        try:
            return run_caffe2(CAFFE2_PROGRAM, arrays, {"specs": specs, "aborted": aborted})
        except Caffe2Error as exc:
            lines = str(exc).splitlines()
            marks = [k for k, ln in enumerate(lines) if ln.startswith("FIDELITY-CASE ")]
            if not marks or "exit -" not in lines[0]:
                raise
            last = lines[marks[-1]].removeprefix("FIDELITY-CASE ")
            if last in aborted:
                raise
            fatal = [ln for ln in lines[marks[-1] + 1:] if ln.startswith("[F ")]
            aborted[last] = (fatal or lines[-1:])[0][:300]


def _feed(spec: dict[str, Any], arrays: dict[str, np.ndarray], float32: bool) -> None:
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)
    for name, key in zip(spec["inputs"], spec["arrays"]):
        x = arrays[key]
        workspace.FeedBlob(name, x.astype(np.float32) if float32 and x.dtype == np.float64 else x)


def _forward(spec: dict[str, Any], arrays: dict[str, np.ndarray], float32: bool):
    # make_inputs again for its side effects (a Load case writes the file it reads)
    _, _, case = collect_cases()[spec["n"]]
    case.make_inputs(np.random.default_rng(0))
    _feed(spec, arrays, float32)
    op = core.CreateOperator(spec["type"], spec["inputs"], spec["outputs"], **spec["args"])
    workspace.RunOperatorOnce(op)
    return [workspace.FetchBlob(b) for b in spec["outputs"]]


def _compare_gradient(spec: dict[str, Any], res: dict[str, Any], got: dict[str, Any],
                      arrays: dict[str, np.ndarray], diffs: dict[str, str]) -> None:
    key, n = f"gradient:{spec['key']}", spec["n"]
    op = core.CreateOperator(spec["type"], spec["inputs"], spec["outputs"], **spec["args"])
    net = core.Net(f"fidelity_{n}")
    net.Proto().op.append(op)
    seeds = {spec["outputs"][j]: spec["outputs"][j] + "_grad" for j in spec["grad_outputs"]}
    try:
        net.AddGradientOperators(seeds)
    except Exception as exc:  # noqa: BLE001 - whether it raises is what is compared
        if "grad_error" not in res:
            diffs[f"{key}:raises"] = f"graphlab raised {type(exc).__name__}: {exc}"[:400]
        return
    if "grad_error" in res:
        diffs[f"{key}:raises"] = f"Caffe2 raised {res['grad_error']}; graphlab did not"
        return
    mine = [op_record(g) for g in net.Proto().op[1:]]
    compare_records(f"{key}:ops", mine, res["grad_ops"], diffs)
    _feed(spec, arrays, res["float32"])
    for k, grad in enumerate(seeds.values()):
        workspace.FeedBlob(grad, got[f"c{n}_seed{k}"])
    try:
        workspace.RunNetOnce(net)
    except Exception as exc:  # noqa: BLE001
        if "grad_run_error" not in res:
            diffs[f"{key}:run"] = f"graphlab raised {type(exc).__name__}: {exc}"[:400]
        return
    if "grad_run_error" in res:
        diffs[f"{key}:run"] = f"Caffe2 raised {res['grad_run_error']}; graphlab did not"
        return
    for j, blob in enumerate(res["grad_blobs"]):
        if not workspace.HasBlob(blob):
            diffs[f"{key}:values:{blob}"] = "graphlab does not write this blob"
            continue
        compare_arrays(f"{key}:values:{blob}", workspace.FetchBlob(blob), got[f"c{n}_grad{j}"],
                       diffs)


@cache
def differences() -> tuple[dict[str, str], list[str]]:
    """All differences of the forward and gradient comparisons, and the ops Caffe2 lacks."""
    specs, arrays = prepared()
    got = caffe2_results()
    results = got["results"]
    diffs: dict[str, str] = {}
    missing: list[str] = []
    for spec in specs:
        res, key, n = results[spec["key"]], f"forward:{spec['key']}", spec["n"]
        if res.get("missing"):
            if spec["type"] not in missing:
                missing.append(spec["type"])
            continue
        float32 = bool(res.get("float32", False))
        try:
            outs = _forward(spec, arrays, float32)
        except Exception as exc:  # noqa: BLE001 - whether it raises is what is compared
            if "error" not in res:
                diffs[f"{key}:raises"] = f"graphlab raised {type(exc).__name__}: {exc}"[:400]
            continue
        if "error" in res:
            diffs[f"{key}:raises"] = f"Caffe2 raised {res['error']}; graphlab did not"
            continue
        for j, (blob, value) in enumerate(zip(spec["outputs"], outs)):
            compare_arrays(f"{key}:values:{blob}", value, got[f"c{n}_out{j}"], diffs)
        if spec["grad_outputs"]:
            _compare_gradient(spec, res, got, arrays, diffs)
    return diffs, missing


@requires_caffe2
def test_forward_matches_caffe2() -> None:
    diffs, _ = differences()
    check("forward", {k: v for k, v in diffs.items() if k.startswith("forward:")})


@requires_caffe2
def test_gradients_match_caffe2() -> None:
    diffs, _ = differences()
    check("gradient", {k: v for k, v in diffs.items() if k.startswith("gradient:")})


@requires_caffe2
def test_ops_caffe2_lacks_are_listed() -> None:
    """An op graphlab has and Caffe2 does not is a departure too (``only:<Op>``)."""
    _, missing = differences()
    check("only", {f"only:{op}": "not registered in Caffe2" for op in missing})


def test_cases_are_collected() -> None:
    specs, _ = prepared()
    assert len({s["type"] for s in specs}) >= 40

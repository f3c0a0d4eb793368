"""Filler operators: make a blob from arguments (constants, given values, random numbers).

Every filler takes 0 or 1 input and works out its output shape the same way:

* **no input**: the shape is the ``shape`` argument (a list; missing or ``[]`` gives a
  0-d scalar). ``extra_shape`` and ``input_as_shape`` need an input.
* **one input**: the output is shaped like the input (its dtype and values are ignored)
  with ``extra_shape`` appended; ``shape`` must not be given too. With
  ``input_as_shape=1`` the input is instead a 1-D integer array *holding* the shape.

Random fillers draw from the op instance's own generator (``ctx.rng``): the workspace
seeds it, and a filler in a net made by ``CreateNet`` continues its stream from one
``RunNet`` to the next. No filler has a gradient.

``run_once`` (graphlab's reading of an argument early Caffe2 had): with the default
``run_once=0`` a filler fills every time it runs. With ``run_once=1``, a filler in a net
made by ``CreateNet`` fills on its first run only and then leaves its output blob alone;
``RunNetOnce`` and ``RunOperatorOnce`` make fresh operators, so they always fill.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..proto import DataType
from ..registry import NO_GRADIENT, OpContext, register_op
from ._util import shape_str

__all__ = [
    "DTYPES",
    "constant_fill",
    "gaussian_fill",
    "given_tensor_fill",
    "msra_fill",
    "range_fill",
    "uniform_fill",
    "uniform_int_fill",
    "xavier_fill",
]

#: Caffe2 DataType → NumPy dtype, for the dtypes ConstantFill can make. Strings are NumPy
#: unicode arrays (like a fed string blob).
DTYPES: dict[int, Any] = {
    DataType.FLOAT: np.float32,
    DataType.DOUBLE: np.float64,
    DataType.BOOL: np.bool_,
    DataType.INT8: np.int8,
    DataType.INT16: np.int16,
    DataType.INT32: np.int32,
    DataType.INT64: np.int64,
    DataType.UINT8: np.uint8,
    DataType.UINT16: np.uint16,
    DataType.STRING: np.str_,
}

_DTYPE_NAMES = {v: k for k, v in vars(DataType).items() if isinstance(v, int)}


def _dtype_name(code: int) -> str:
    return _DTYPE_NAMES.get(code, str(code))


def _dtype_error(op: str, code: int, allowed: Sequence[int]) -> str:
    names = ", ".join(f"DataType.{_dtype_name(c)}" for c in allowed)
    return f"dtype={code} ({_dtype_name(code)}) is not supported by {op}; use one of {names}."


# ---- shape rules and run_once, shared by every filler -------------------------------------


def _check_shape_args(op: str, values: dict[str, Any]) -> str | None:
    for key in ("shape", "extra_shape"):
        dims = values.get(key) or ()
        if any(d < 0 for d in dims):
            return f"{key}={list(dims)} has a negative dimension."
    return None


def _output_shape(op: str, input: np.ndarray | None, shape: Sequence[int],
                  extra_shape: Sequence[int], input_as_shape: bool) -> tuple[int, ...]:
    """The filler's output shape from its input and shape arguments (module docstring)."""
    if input is None:
        if extra_shape:
            raise ShapeError(f"{op}: cannot set extra_shape when there is no input.",
                             hint="pass the blob to extend as the input, or put the full "
                                  "shape in shape=[...].")
        if input_as_shape:
            raise ShapeError(f"{op}: input_as_shape=1 needs an input holding the shape.",
                             hint="feed a 1-D int64 array such as np.array([2, 3]).")
        return tuple(int(d) for d in shape)
    if shape:
        raise ShapeError(
            f"{op}: cannot set the shape argument (shape={list(shape)}) and pass in an "
            f"input ({shape_str(input)}) at the same time.",
            hint="drop shape=... to copy the input's shape, or drop the input.",
        )
    if input_as_shape:
        if input.ndim != 1 or not np.issubdtype(input.dtype, np.integer):
            raise ShapeError(
                f"{op}: with input_as_shape=1 the input must be a 1-D integer array holding "
                f"the shape, got {shape_str(input)}.",
                hint="e.g. FeedBlob('shape', np.array([2, 3], dtype=np.int64)).",
            )
        dims = [int(d) for d in input]
        if any(d < 0 for d in dims):
            raise ShapeError(f"{op}: input_as_shape=1 got a negative dimension in {dims}.")
        return tuple(dims) + tuple(int(d) for d in extra_shape)
    return tuple(input.shape) + tuple(int(d) for d in extra_shape)


def _filled(ctx: OpContext, run_once: int, make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()``, unless run_once says this op instance has already filled its output."""
    if run_once and ctx.persistent:
        previous = ctx.current_output(0) if ctx.state.get("filled") else None
        if previous is not None:
            return previous
        ctx.state["filled"] = True
    return make()


def _register_filler(name: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def check(values: dict[str, Any]) -> str | None:
        problem = _check_shape_args(name, values)
        if problem is None and kw.get("check_args") is not None:
            problem = kw["check_args"](values)
        return problem

    extra = {k: v for k, v in kw.items() if k != "check_args"}
    return register_op(name, inputs=(0, 1), grad=NO_GRADIENT, check_args=check,
                       shape_from_values=_shape_from_input_values, **extra)


def _shape_from_input_values(args: dict[str, Any], n_inputs: int) -> bool:
    # with input_as_shape the input's *values* are the output shape; with run_once the
    # output after the first run is whatever the workspace then holds under its name
    return (bool(args.get("input_as_shape")) and n_inputs > 0) or bool(args.get("run_once"))


# ---- ConstantFill ---------------------------------------------------------------------------


def _constant_dtype(values: dict[str, Any]) -> tuple[Any, str | None]:
    """(NumPy dtype, error) for ConstantFill's dtype/value arguments."""
    dtype, value = values["dtype"], values["value"]
    if dtype is not None:
        if dtype not in DTYPES:
            return None, _dtype_error("ConstantFill", dtype, list(DTYPES))
        return DTYPES[dtype], None
    if value is None or isinstance(value, float):
        return np.float32, None
    if isinstance(value, bool):
        return np.bool_, None
    if isinstance(value, int):
        return np.int64, None
    if isinstance(value, str):
        return np.str_, None
    return None, (f"value must be one number, bool or string, got {value!r} "
                  f"({type(value).__name__}).")


def _value_problem(dtype: Any, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``dtype`` (None if it can)."""
    if value is None:
        return None
    kind = np.dtype(dtype)
    if isinstance(value, (list, tuple)):
        return f"value must be a single number or string, got the list {value!r}."
    if kind.kind == "U":
        return None if isinstance(value, str) else (
            f"value={value!r} cannot fill a STRING tensor; give a string, e.g. value=''.")
    if isinstance(value, str):
        return (f"value={value!r} is a string but dtype is {kind}; give a number, or "
                "dtype=core.DataType.STRING.")
    if kind.kind == "b":
        return None if value in (0, 1) else f"value={value!r} is not a bool (use 0, 1 or a bool)."
    if kind.kind in "iu":
        if isinstance(value, float):
            return (f"value={value!r} is a float but dtype is {kind}; give an integer"
                    + (f", e.g. value={int(value)}." if value.is_integer() else "."))
        info = np.iinfo(kind)
        if not info.min <= value <= info.max:
            return f"value={value} does not fit {kind} (range {info.min}..{info.max})."
    return None


def _check_constant(values: dict[str, Any]) -> str | None:
    dtype, problem = _constant_dtype(values)
    if problem is not None:
        return problem
    return _value_problem(dtype, values["value"])


@_register_filler("ConstantFill", check_args=_check_constant)
def constant_fill(input: np.ndarray | None = None, *, value: Any = None,
                  dtype: int | None = None, shape: list[int] = (),  # type: ignore[assignment]
                  extra_shape: list[int] = (),  # type: ignore[assignment]
                  input_as_shape: bool = False, run_once: int = 0,
                  ctx: OpContext) -> np.ndarray:
    """A tensor filled with one value: ``Y[...] = value``.

    Shape: see the module docstring (``ConstantFill([loss], value=1.0)`` makes ones
    shaped like ``loss``). dtype, as Caffe2 decides it:

    * ``dtype`` given (a ``core.DataType``: FLOAT, DOUBLE, BOOL, INT8, INT16, INT32, INT64,
      UINT8, UINT16, STRING) wins, and ``value`` must fit it (INT32 with value=0.5 is an
      error);
    * else from the value: a float → float32, an int → **int64** (so ``value=1`` makes
      int64; write ``1.0`` for float32), a string → a string tensor. A Python bool is
      stored as an int argument (as in Caffe2), so ``value=True`` makes int64 1 unless
      ``dtype=DataType.BOOL``;
    * neither: float32 zeros.
    """
    np_dtype, problem = _constant_dtype({"dtype": dtype, "value": value})
    if problem is None:
        problem = _value_problem(np_dtype, value)
    if problem is not None:
        raise ShapeError(f"ConstantFill: {problem}")
    out_shape = _output_shape("ConstantFill", input, shape, extra_shape, input_as_shape)

    def make() -> np.ndarray:
        if np.dtype(np_dtype).kind == "U":
            return np.full(out_shape, "" if value is None else value)
        return np.full(out_shape, 0 if value is None else value, dtype=np_dtype)

    return _filled(ctx, run_once, make)


# ---- GivenTensor*Fill -----------------------------------------------------------------------

_GIVEN_DTYPES = (DataType.FLOAT, DataType.DOUBLE, DataType.INT32, DataType.INT64,
                 DataType.BOOL)


def _check_given(op: str) -> Callable[[dict[str, Any]], str | None]:
    def check(values: dict[str, Any]) -> str | None:
        dtype = values.get("dtype")
        if dtype is not None and dtype not in _GIVEN_DTYPES:
            return _dtype_error(op, dtype, _GIVEN_DTYPES)
        shape = values["shape"]
        if shape:
            size = int(np.prod(shape, dtype=np.int64))
            if len(values["values"]) != size:
                return _count_text(op, len(values["values"]), tuple(shape))
        return None

    return check


def _count_text(op: str, n: int, shape: tuple[int, ...]) -> str:
    size = int(np.prod(shape, dtype=np.int64))
    return (f"{op} got {n} values for shape {list(shape)}, which holds {size}; "
            "len(values) must equal the product of the shape.")


def _given(op: str, values: Sequence[Any], np_dtype: Any, input: np.ndarray | None,
           shape: Sequence[int], extra_shape: Sequence[int], input_as_shape: bool,
           run_once: int, ctx: OpContext) -> np.ndarray:
    out_shape = _output_shape(op, input, shape, extra_shape, input_as_shape)
    size = int(np.prod(out_shape, dtype=np.int64))
    if len(values) != size:
        raise ShapeError(_count_text(op, len(values), out_shape),
                         hint=f"give {size} values, or a shape with {len(values)} elements.")
    if np.dtype(np_dtype).kind == "U":
        return _filled(ctx, run_once, lambda: np.array(list(values), dtype=np.str_)
                       .reshape(out_shape))
    return _filled(ctx, run_once,
                   lambda: np.array(values, dtype=np_dtype).reshape(out_shape))


@_register_filler("GivenTensorFill", check_args=_check_given("GivenTensorFill"))
def given_tensor_fill(input: np.ndarray | None = None, *, values: list[float],
                      dtype: int | None = None, shape: list[int] = (),  # type: ignore[assignment]
                      extra_shape: list[int] = (),  # type: ignore[assignment]
                      input_as_shape: bool = False, run_once: int = 0,
                      ctx: OpContext) -> np.ndarray:
    """A tensor holding the given ``values`` in row-major order (float32 by default).

    ``len(values)`` must equal the product of the shape (``shape=[1, 2],
    values=[2.0, 1.5]``). ``dtype`` may be FLOAT, DOUBLE, INT32, INT64 or BOOL.
    Integer values such as ``[2, 1]`` are converted (Caffe2 silently read them as empty).
    """
    np_dtype = DTYPES[DataType.FLOAT if dtype is None else dtype]
    return _given("GivenTensorFill", values, np_dtype, input, shape, extra_shape,
                  input_as_shape, run_once, ctx)


def _given_variant(name: str, kind: Any, np_dtype: Any, what: str) -> None:
    def kernel(input: np.ndarray | None = None, *, values: list[Any],
               shape: list[int] = (),  # type: ignore[assignment]
               extra_shape: list[int] = (),  # type: ignore[assignment]
               input_as_shape: bool = False, run_once: int = 0,
               ctx: OpContext) -> np.ndarray:
        return _given(name, values, np_dtype, input, shape, extra_shape, input_as_shape,
                      run_once, ctx)

    kernel.__annotations__ = {**kernel.__annotations__, "values": list[kind]}
    kernel.__name__ = kernel.__qualname__ = f"{name[0].lower()}{name[1:]}"
    kernel.__doc__ = (
        f"A {what} tensor holding the given ``values`` in row-major order.\n\n"
        "``len(values)`` must equal the product of the shape; see GivenTensorFill."
    )
    globals()[kernel.__name__] = _register_filler(name, check_args=_check_given(name))(kernel)


_given_variant("GivenTensorDoubleFill", float, np.float64, "float64")
_given_variant("GivenTensorIntFill", int, np.int32, "int32")
_given_variant("GivenTensorInt64Fill", int, np.int64, "int64")
_given_variant("GivenTensorBoolFill", bool, np.bool_, "bool")
_given_variant("GivenTensorStringFill", str, np.str_, "string")


# ---- random fillers ---------------------------------------------------------------------------


def _check_min_max(values: dict[str, Any]) -> str | None:
    if not values["min"] < values["max"]:
        return (f"max value should be bigger than min value (min={values['min']}, "
                f"max={values['max']}).")
    return None


@_register_filler("UniformFill", check_args=_check_min_max)
def uniform_fill(input: np.ndarray | None = None, *, min: float = 0.0, max: float = 1.0,
                 shape: list[int] = (),  # type: ignore[assignment]
                 extra_shape: list[int] = (),  # type: ignore[assignment]
                 input_as_shape: bool = False, run_once: int = 0,
                 ctx: OpContext) -> np.ndarray:
    """float32 values drawn uniformly from ``[min, max)`` (``min < max``, checked)."""
    if not min < max:
        raise ShapeError(f"UniformFill: {_check_min_max({'min': min, 'max': max})}")
    out_shape = _output_shape("UniformFill", input, shape, extra_shape, input_as_shape)

    def make() -> np.ndarray:
        u = ctx.rng.random(out_shape, dtype=np.float32)
        x = np.float32(min) + np.float32(max - min) * u
        # float32 rounding could land exactly on max: keep the interval half-open.
        return np.minimum(x, np.nextafter(np.float32(max), np.float32(min)))

    return _filled(ctx, run_once, make)


@_register_filler("UniformIntFill", check_args=_check_min_max)
def uniform_int_fill(input: np.ndarray | None = None, *, min: int = 0, max: int = 1,
                     shape: list[int] = (),  # type: ignore[assignment]
                     extra_shape: list[int] = (),  # type: ignore[assignment]
                     input_as_shape: bool = False, run_once: int = 0,
                     ctx: OpContext) -> np.ndarray:
    """int32 values drawn uniformly from ``{min, ..., max}`` — both ends included, as
    C++'s ``uniform_int_distribution`` that Caffe2 used (``min < max``, checked)."""
    if not min < max:
        raise ShapeError(f"UniformIntFill: {_check_min_max({'min': min, 'max': max})}")
    out_shape = _output_shape("UniformIntFill", input, shape, extra_shape, input_as_shape)
    return _filled(ctx, run_once,
                   lambda: ctx.rng.integers(min, max, size=out_shape, dtype=np.int32,
                                            endpoint=True))


def _check_std(values: dict[str, Any]) -> str | None:
    if not values["std"] > 0:
        return f"std must be > 0, got std={values['std']}."
    return None


@_register_filler("GaussianFill", check_args=_check_std)
def gaussian_fill(input: np.ndarray | None = None, *, mean: float = 0.0, std: float = 1.0,
                  shape: list[int] = (),  # type: ignore[assignment]
                  extra_shape: list[int] = (),  # type: ignore[assignment]
                  input_as_shape: bool = False, run_once: int = 0,
                  ctx: OpContext) -> np.ndarray:
    """float32 values drawn from the normal distribution ``N(mean, std²)`` (std > 0)."""
    out_shape = _output_shape("GaussianFill", input, shape, extra_shape, input_as_shape)

    return _filled(ctx, run_once, lambda: gaussian_draw(ctx.rng, out_shape, mean, std))


def gaussian_draw(rng: np.random.Generator, shape: tuple[int, ...], mean: float,
                  std: float) -> np.ndarray:
    """float32 samples of N(mean, std²) shaped ``shape``: standard normals, scaled, shifted."""
    z = rng.standard_normal(shape, dtype=np.float32)
    if std != 1.0:
        z *= np.float32(std)
    if mean != 0.0:
        z += np.float32(mean)
    return z


@_register_filler("XavierFill")
def xavier_fill(input: np.ndarray | None = None, *,
                shape: list[int] = (),  # type: ignore[assignment]
                extra_shape: list[int] = (),  # type: ignore[assignment]
                input_as_shape: bool = False, run_once: int = 0,
                ctx: OpContext) -> np.ndarray:
    """float32 values uniform on ``[−scale, scale)`` with ``scale = sqrt(3 / fan_in)`` and
    ``fan_in = size / shape[0]`` (for an FC weight ``[out, in]``, fan_in = in). Needs ≥ 1-D."""
    out_shape = _output_shape("XavierFill", input, shape, extra_shape, input_as_shape)
    if len(out_shape) < 1:
        raise ShapeError("XavierFill needs a shape with at least 1 dimension, got [].",
                         hint="e.g. shape=[out, in] for an FC weight.")
    size = int(np.prod(out_shape, dtype=np.int64))

    def make() -> np.ndarray:
        if size == 0:
            return np.zeros(out_shape, np.float32)
        scale = np.float32(np.sqrt(3.0 / (size / out_shape[0])))
        u = ctx.rng.random(out_shape, dtype=np.float32)
        x = -scale + np.float32(2.0) * scale * u
        return np.minimum(x, np.nextafter(scale, np.float32(0)))

    return _filled(ctx, run_once, make)


@_register_filler("MSRAFill")
def msra_fill(input: np.ndarray | None = None, *,
              shape: list[int] = (),  # type: ignore[assignment]
              extra_shape: list[int] = (),  # type: ignore[assignment]
              input_as_shape: bool = False, run_once: int = 0,
              ctx: OpContext) -> np.ndarray:
    """float32 values from ``N(0, 2 / fan_out)`` (std ``sqrt(2 / fan_out)``) with
    ``fan_out = size / shape[1]`` (for an FC weight ``[out, in]``, fan_out = out;
    for a conv weight ``[out, in, kh, kw]``, out·kh·kw). Needs ≥ 2-D."""
    out_shape = _output_shape("MSRAFill", input, shape, extra_shape, input_as_shape)
    if len(out_shape) < 2:
        raise ShapeError(f"MSRAFill needs a shape with at least 2 dimensions, got "
                         f"{list(out_shape)}.", hint="e.g. shape=[out, in] for an FC weight.")
    size = int(np.prod(out_shape, dtype=np.int64))

    def make() -> np.ndarray:
        if size == 0:
            return np.zeros(out_shape, np.float32)
        std = np.float32(np.sqrt(2.0 / (size / out_shape[1])))
        return std * ctx.rng.standard_normal(out_shape, dtype=np.float32)

    return _filled(ctx, run_once, make)


@_register_filler("RangeFill")
def range_fill(input: np.ndarray | None = None, *,
               shape: list[int] = (),  # type: ignore[assignment]
               extra_shape: list[int] = (),  # type: ignore[assignment]
               input_as_shape: bool = False, run_once: int = 0,
               ctx: OpContext) -> np.ndarray:
    """float32 ``0, 1, ..., n−1`` in row-major order, n = the number of elements
    (``RangeFill([X], "R")`` numbers the cells of an array shaped like X)."""
    out_shape = _output_shape("RangeFill", input, shape, extra_shape, input_as_shape)
    size = int(np.prod(out_shape, dtype=np.int64))
    return _filled(ctx, run_once,
                   lambda: np.arange(size, dtype=np.float32).reshape(out_shape))



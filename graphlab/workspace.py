"""Workspaces: named blobs (NumPy arrays) and the nets created in them.

The module functions (``FeedBlob``, ``RunNet`` ...) act on the *current* workspace, as in
Caffe2; :class:`Workspace` is the object underneath and can be used directly::

    ws = Workspace()
    ws.feed_blob("X", np.ones((2, 3), np.float32))
    ws.run_net_once(net)
    ws.fetch_blob("Y")
"""

from __future__ import annotations

import copy
import functools
import os
import warnings
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .checkpoint import DEFAULT_MAX_BYTES, CheckpointError, read_checkpoint, write_checkpoint
from .diagnostics import check_inputs_exist
from .errors import GraphlabError, GraphlabWarning, did_you_mean, user_stacklevel
from .fast import Plan
from .fast.blobstore import BlobStore
from .flags import caffe2_flags
from .interpreter import run_net, run_ops
from .nets import NetLike, as_netdef, blob_name, blobs_read_before_written
from .proto import NetDef, OperatorDef
from .registry import OpContext

__all__ = [
    "Blobs",
    "CreateNet",
    "CurrentWorkspace",
    "FeedBlob",
    "FetchBlob",
    "GlobalInit",
    "HasBlob",
    "LoadBlobs",
    "Nets",
    "NumCudaDevices",
    "ResetWorkspace",
    "RunNet",
    "RunNetOnce",
    "RunOperatorOnce",
    "SaveBlobs",
    "SetDivergenceGuard",
    "SetRandomSeed",
    "SwitchWorkspace",
    "Workspace",
    "blobs",
]


class Workspace:
    """Named blobs plus the nets created from them.

    Args:
        seed: when given, every random op instantiated in this workspace draws from a
            stream derived from ``seed`` and the order of instantiation, so the same
            program gives bit-identical results. Without it an op with
            ``random_seed`` in its device option uses that, and any other op takes its
            seed from NumPy's global generator (so ``np.random.seed(0)`` also fixes runs).
    """

    def __init__(self, seed: int | None = None) -> None:
        self._blobs: BlobStore = BlobStore()
        self._nets: dict[str, tuple[NetDef, Plan]] = {}
        # per created net: the user's live NetDef and its op count at CreateNet (to warn
        # when RunNet would run a stale snapshot), and its parameters (blobs it reads
        # before writing and then writes: W, B, ITER) for the dtype-change warning
        self._sources: dict[str, tuple[NetDef, int]] = {}
        self._params: dict[str, list[str]] = {}
        self._warned: dict[tuple[str, str], None] = {}
        self._check_finite = False
        self._seed = seed
        self._instances = 0
        self._once_rng: np.random.Generator | None = None
        #: where ops resolve relative file names (None: the working directory)
        self.root_folder: str | None = None

    @property
    def store(self) -> BlobStore:
        """The blob table itself (name → value), for the engines; users call
        :meth:`feed_blob` and :meth:`fetch_blob`, which copy."""
        return self._blobs

    # ---- blobs ---------------------------------------------------------------------
    def feed_blob(self, name: str, value: Any) -> bool:
        """Store a copy of ``value`` (a NumPy array, NumPy scalar or str) as blob ``name``.

        The dtype is kept (float64 stays float64).

        Raises:
            TypeError: for anything else (e.g. a Python list): wrap it in ``np.array``;
                for arrays of Python objects (nothing can compute on them, and a
                checkpoint could not hold them) and masked arrays (the mask would be
                dropped silently).
            GraphlabError: the name is empty.
        """
        name = blob_name(name)
        if not name:
            raise GraphlabError("FeedBlob('', ...): a blob needs a non-empty name, e.g. "
                                "FeedBlob('X', value).")
        if isinstance(value, np.ma.MaskedArray):
            raise TypeError(
                f"FeedBlob({name!r}, ...): a masked array's mask would be lost (a blob is a "
                "plain array). Decide what masked entries hold, e.g. value.filled(0), or "
                "feed the mask as a blob of its own: np.ma.getmaskarray(value)."
            )
        if isinstance(value, np.ndarray) and value.dtype.hasobject:
            raise TypeError(
                f"FeedBlob({name!r}, ...): an array of Python objects (dtype {value.dtype}) "
                "cannot be a blob: ops compute on numbers and strings, and checkpoints never "
                "pickle. Convert it, e.g. np.asarray(value, dtype=np.float32) or "
                "value.astype(str)."
            )
        if isinstance(value, np.ndarray):
            self._blobs[name] = np.array(value, copy=True)
        elif isinstance(value, np.generic):
            self._blobs[name] = np.array(value)
        elif isinstance(value, (str, bytes)):
            self._blobs[name] = np.array(value)
        else:
            raise TypeError(
                f"FeedBlob({name!r}, ...): expected a NumPy array (or a string), got "
                f"{type(value).__name__}. Wrap it: np.array(value, dtype=np.float32)."
            )
        return True

    def fetch_blob(self, name: str) -> np.ndarray:
        """A copy of blob ``name`` (later runs never change an array you fetched).

        Raises:
            GraphlabError: (a ``RuntimeError``) the blob does not exist; close names are
                suggested.
        """
        name = blob_name(name)
        try:
            value = self._blobs[name]
        except KeyError:
            raise self.missing_blob(name) from None
        if isinstance(value, np.generic):  # a 0-d result some NumPy expression unwrapped
            return np.array(value)
        return value.copy()

    def missing_blob(self, name: str) -> GraphlabError:
        """The error for a blob that does not exist, with suggestions."""
        have = ", ".join(sorted(self._blobs)[:20]) or "none yet"
        return GraphlabError(
            f"Can't find blob: {name!r} in workspace."
            + did_you_mean(name, self._blobs)
            + f" Blobs here: {have}."
            + " Run the net that produces it first, or FeedBlob it."
        )

    def has_blob(self, name: str) -> bool:
        """True if a blob called ``name`` holds a value here."""
        return blob_name(name) in self._blobs

    def blobs(self) -> list[str]:
        """Sorted blob names (ASCII order: upper case first, as Caffe2 printed them)."""
        return sorted(self._blobs)

    def remove_blob(self, name: str) -> None:
        """Delete the blob ``name`` (nothing happens if there is none)."""
        self._blobs.pop(blob_name(name), None)

    # ---- checkpoints ------------------------------------------------------------------
    def save_blobs(self, path: str | os.PathLike[str],
                   names: Iterable[str] | None = None) -> list[str]:
        """Save blobs to the checkpoint ``path`` (atomically; see :mod:`graphlab.checkpoint`).

        Args:
            path: file to write, exactly as given (relative to the working directory).
            names: blobs to save, in this order; None saves every blob (sorted by name).

        Returns:
            The names saved.

        Raises:
            CheckpointError: a named blob does not exist (nothing is written), or writing
                fails.
        """
        chosen = self.blobs() if names is None else [str(n) for n in names]
        missing = [n for n in chosen if not self.has_blob(n)]
        if missing:
            raise CheckpointError(
                f"Cannot save {missing[0]!r} to {os.fspath(path)!r}: no such blob in the "
                "workspace." + did_you_mean(missing[0], self.blobs())
                + f" Blobs here: {', '.join(self.blobs()) or 'none'}."
            )
        write_checkpoint(path, {n: self._blobs[n] for n in chosen})
        return chosen

    def load_blobs(self, path: str | os.PathLike[str], names: Iterable[str] | None = None,
                   prefix: str = "", *,
                   max_bytes: int | None = DEFAULT_MAX_BYTES) -> list[str]:
        """Load blobs from the checkpoint ``path``, all or nothing.

        The file is read and checked completely first, so on any error no blob changes.

        Args:
            path: checkpoint file (relative to the working directory).
            names: blobs to load; None loads every blob in the file.
            prefix: prepended to each name (``prefix="old/"`` loads ``W`` as ``old/W``),
                e.g. to compare two checkpoints side by side.
            max_bytes: the largest total size to load (see
                :func:`graphlab.checkpoint.read_checkpoint`; None: no limit).

        Returns:
            The names written.

        Raises:
            CheckpointError: the file is bad, or a requested name is not in it.
        """
        data = read_checkpoint(path, max_bytes=max_bytes)
        chosen = list(data) if names is None else [str(n) for n in names]
        for n in chosen:
            if n not in data:
                raise CheckpointError(
                    f"Checkpoint {os.fspath(path)!r} has no blob {n!r}." + did_you_mean(n, data)
                    + f" It holds: {', '.join(data) or 'nothing'}."
                )
        for n in chosen:
            self._blobs[prefix + n] = data[n]
        return [prefix + n for n in chosen]

    # ---- running ---------------------------------------------------------------------
    def run_operator_once(self, op: OperatorDef) -> bool:
        """Run one OperatorDef with a fresh operator instance.

        Raises:
            OperatorError: the op failed (its outputs are left as they were).
            DivergenceError: the divergence guard is on and an output is NaN/inf.
        """
        run_ops([op], self, "", self._check_finite)
        return True

    def run_net_once(self, net: NetLike, check_finite: bool | None = None) -> bool:
        """Run ``net`` once with fresh operator instances, through the interpreter
        (:mod:`graphlab.interpreter`).

        Warns (:class:`~graphlab.errors.GraphlabWarning`, once per net) when the run
        changed a parameter's float dtype (see :meth:`run_net`).
        """
        guard = self._check_finite if check_finite is None else check_finite
        proto = as_netdef(net)
        params = parameters(proto)
        if not params:  # nothing it reads is rewritten (an init net): no dtype to watch
            run_net(proto, self, guard)
            return True
        before = self._float_dtypes(params)
        try:
            run_net(proto, self, guard)
        finally:
            self._check_dtypes(proto, params, before)
        return True

    def create_net(
        self,
        net: NetLike,
        overwrite: bool = False,
        input_blobs: Any = None,
        *,
        check_finite: bool = False,
        defer_unread: bool = True,
        trust_layouts: bool = True,
    ) -> bool:
        """Compile ``net`` once and keep it under its name for :meth:`run_net`.

        The plan is made from a snapshot of the net *now*; ops added later need
        ``overwrite=True``. Creating the identical net again is a no-op (re-running a
        notebook cell is normal); the plan and its op state (random streams) are kept, and
        ``check_finite`` and ``trust_layouts`` take the new values. A different
        ``defer_unread`` makes a new plan (its op state starts afresh).

        Args:
            check_finite: turn the divergence guard on for every run of this net.
            defer_unread: let ops skip outputs nothing in the net reads (computed on
                first lookup instead; see ``docs/performance.md``). False computes
                everything, as Caffe2 did.
            trust_layouts: once a run has shown that every blob the net reads keeps its
                shape, dtype and strides from one run to the next, skip the ops' layout
                checks while nobody else replaces those blobs (``docs/performance.md``).
                False checks every op on every run.

        Raises:
            OperatorError: an input blob does not exist yet (run the init net or feed it).
            GraphlabError: a *different* net of this name exists and ``overwrite`` is False.
        """
        proto = as_netdef(net)
        # input_blobs are made only once the net is created: a failing CreateNet makes none
        new_inputs = [n for n in dict.fromkeys(blob_name(b) for b in input_blobs or [])
                      if n not in self._blobs]
        existing = self._nets.get(proto.name)
        if existing is not None and not overwrite:
            if existing[0] != proto:
                raise GraphlabError(
                    f"A different net named {proto.name!r} was already created in this "
                    f"workspace (it had {len(existing[0].op)} ops, this one has "
                    f"{len(proto.op)}). Pass overwrite=True to replace it: "
                    "workspace.CreateNet(net, overwrite=True)."
                )
            plan = existing[1]
            if plan.defer_unread == defer_unread:
                plan.check_finite = check_finite
                plan.allow_trust(trust_layouts)
                self._make_inputs(new_inputs)
                return True
            # another defer_unread: a new plan below (its op state starts afresh)
        if new_inputs:
            present = dict.fromkeys(self._blobs)
            present.update(dict.fromkeys(new_inputs))
            check_inputs_exist(proto, present)
        else:
            check_inputs_exist(proto, self._blobs)
        snapshot = copy.deepcopy(proto)
        plan = Plan(snapshot, self, check_finite=check_finite,
                    defer_unread=defer_unread, trust_layouts=trust_layouts)
        self._nets[proto.name] = (snapshot, plan)
        self._sources[proto.name] = (proto, len(proto.op))
        self._params[proto.name] = parameters(snapshot)
        self._warned.pop(("stale", proto.name), None)
        self._make_inputs(new_inputs)
        return True

    def _make_inputs(self, names: list[str]) -> None:
        for name in names:
            self._blobs[name] = np.zeros((0,), np.float32)

    def run_net(
        self, name_or_net: str | NetLike, num_iter: int = 1, check_finite: bool | None = None
    ) -> bool:
        """Run a created net ``num_iter`` times (by name or by the Net object).

        Args:
            check_finite: divergence guard for this call (None: the net's setting, on
                if the workspace guard is on).
        """
        entry = self._nets.get(name_or_net) if type(name_or_net) is str else None
        plan = self.plan(name_or_net) if entry is None else entry[1]
        if check_finite is None and self._check_finite:
            check_finite = True
        source, n_ops = self._sources[plan.name]
        if len(source.op) != n_ops:
            self._warn_stale(plan.name, len(source.op), n_ops)
        if plan.trusted:  # a trusted run keeps every layout, dtypes included
            plan.run(num_iter, check_finite)
            return True
        params = self._params[plan.name]
        before = self._float_dtypes(params)
        try:
            plan.run(num_iter, check_finite)
        finally:
            self._check_dtypes(plan.netdef, params, before)
        return True

    # ---- warnings: a stale net, a parameter whose dtype changed -------------------------
    def _warn_stale(self, name: str, now: int, created: int) -> None:
        if ("stale", name) in self._warned:
            return
        self._warned[("stale", name)] = None
        warnings.warn(
            f"RunNet({name!r}): the net has {now} ops now, but CreateNet saw {created}; "
            f"RunNet runs the {created} ops it was created with (a snapshot). To run the net "
            "as it is now, create it again: workspace.CreateNet(net, overwrite=True).",
            GraphlabWarning, stacklevel=user_stacklevel())

    def _float_dtypes(self, names: list[str]) -> list[Any]:
        raw = self._blobs.raw
        return [getattr(raw.get(n), "dtype", None) for n in names]

    def _check_dtypes(self, net: NetDef, params: list[str], before: list[Any]) -> None:
        """Warn once per net when a run turned a float parameter into another float dtype
        (float32 weights become float64 when float64 data meets them)."""
        if ("dtype", net.name) in self._warned:
            return
        after = self._float_dtypes(params)
        changed = [(n, b, a) for n, b, a in zip(params, before, after)
                   if b is not None and a is not None and b != a and b.kind == "f"]
        if not changed:
            return
        self._warned[("dtype", net.name)] = None
        warnings.warn(dtype_change_message(net, changed, self._blobs.raw), GraphlabWarning,
                      stacklevel=user_stacklevel())

    def plan(self, name_or_net: str | NetLike) -> Plan:
        """The compiled plan of a created net (``print(ws.plan("train").source())``)."""
        name = _net_name(name_or_net)
        try:
            return self._nets[name][1]
        except KeyError:
            raise GraphlabError(
                f"Can't find net {name!r}: it was never created in this workspace."
                + did_you_mean(name, self._nets)
                + " Call workspace.CreateNet(net) first (ResetWorkspace also deletes nets)."
            ) from None

    def set_divergence_guard(self, on: bool = True) -> None:
        """Check every float output of every op for NaN/inf in all runs (off: zero cost).

        The first op that produces a non-finite value stops the run with a
        ``DivergenceError`` naming it, its inputs and whether they were finite.
        """
        self._check_finite = bool(on)

    def nets(self) -> list[str]:
        """Names of the nets made by ``create_net``, in creation order."""
        return list(self._nets)

    # ---- randomness --------------------------------------------------------------------
    def seed(self, seed: int | None) -> None:
        """Make every random op instantiated from now on reproducible (None: undo)."""
        self._seed = seed
        self._instances = 0
        self._once_rng = None

    def new_op_context(
        self, op: OperatorDef, index: int, net_name: str, persistent: bool
    ) -> OpContext:
        """The context of a new instance of a stateful op (see :meth:`op_seed`)."""
        seed = functools.partial(self.op_seed, op, index, net_name, persistent)
        return OpContext(op, index, self, persistent, seed)

    def op_seed(
        self, op: OperatorDef, index: int, net_name: str, persistent: bool
    ) -> int | np.random.Generator:
        """The generator (or its seed) for a new instance of a random op.

        * ``random_seed`` in the op's device option: its own generator from that seed, so
          every instance draws the same numbers (as in Caffe2).
        * An op of a net made by ``CreateNet``: its own stream, kept across ``RunNet``
          calls (seeded from the workspace seed, else from NumPy's global generator).
        * An op run by ``RunNetOnce``/``RunOperatorOnce``: the workspace's shared stream
          of one-shot draws, which continues from call to call. Making a generator costs
          about 8 µs, more than the rest of a small op, and a fresh instance per call would
          pay it every time. Unseeded, that stream *is* NumPy's global generator, so
          ``np.random.seed`` fixes it.
        """
        explicit = op.device_option is not None and op.device_option.random_seed is not None
        if persistent or explicit:
            return self._op_seed(op, index, net_name)
        if self._seed is None:
            return np.random.Generator(np.random.get_bit_generator())
        if self._once_rng is None:
            self._once_rng = np.random.default_rng(
                np.random.SeedSequence(self._seed, spawn_key=(0x6F6E6365,))
            )
        return self._once_rng

    def _op_seed(self, op: OperatorDef, index: int, net_name: str) -> int:
        self._instances += 1
        if op.device_option is not None and op.device_option.random_seed is not None:
            return int(op.device_option.random_seed)
        if self._seed is not None:
            # Not the net's name: rebuilding a program renames its nets (train → train_1),
            # and the same program must draw the same numbers.
            # Nor the op's index: adding a Print must not change the fillers' numbers.
            key = zlib.crc32(f"{op.type}/{','.join(op.output)}".encode())
            ss = np.random.SeedSequence(self._seed, spawn_key=(self._instances, key))
            return int(ss.generate_state(1, np.uint64)[0])
        return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))

    # ---- dict-like -----------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._blobs

    def __repr__(self) -> str:
        return f"Workspace({len(self._blobs)} blobs, {len(self._nets)} nets)"


def parameters(net: NetDef) -> list[str]:
    """Blobs ``net`` reads before writing them and then writes: its parameters and
    counters (``W``, ``B``, ``ITER``), in op order. Data it only reads is not included."""
    read_first = blobs_read_before_written(net)
    if not read_first:
        return []
    written = dict.fromkeys(b for op in net.op for b in op.output)
    return [b for b in read_first if b in written]


def dtype_change_message(net: NetDef, changed: list[tuple[str, Any, Any]],
                         blobs: Any) -> str:
    """Which parameters changed dtype in a run of ``net`` (``(name, old, new)`` each),
    which op wrote them, and which other blobs the net reads have the new dtype (the
    likely source, e.g. float64 data fed beside float32 weights)."""
    names = [name for name, _, _ in changed]
    old, new = changed[0][1], changed[0][2]
    lines = [f"Net {net.name!r} changed the dtype of "
             + ", ".join(f"{n!r} from {b} to {a}" for n, b, a in changed)
             + ": NumPy computes mixed float dtypes in the wider one, and the update wrote "
             "the wider result back."]
    for name in names:
        writers = [(i, op) for i, op in enumerate(net.op) if name in op.output]
        if writers:
            i, op = writers[-1]
            lines.append(f"  {name!r} is written by {op.type} (op #{i}): {op.summary()}"
                         + (f", created at {op.origin}" if op.origin else ""))
    wider = [b for b in blobs_read_before_written(net) if b not in names
             and getattr(blobs.get(b), "dtype", None) == new]
    if wider:
        lines.append(f"  Where the {new} comes from: the net reads "
                     f"{', '.join(f'{b!r} ({new})' for b in wider)}.")
    lines.append(f"  hint: feed data in the parameters' dtype, e.g. FeedBlob(name, "
                 f"value.astype(np.{old})), or make the parameters {new} from the start. "
                 "This warning is shown once per net.")
    return "\n".join(lines)


def _net_name(name_or_net: str | NetLike) -> str:
    """A net's name, given the name itself, a ``core.Net`` or a NetDef."""
    if isinstance(name_or_net, str):
        return str(name_or_net)
    try:
        return as_netdef(name_or_net).name
    except TypeError:
        raise TypeError(f"Expected a net name or a core.Net, got "
                        f"{type(name_or_net).__name__}") from None


# ---- the current workspace and Caffe2's module functions ------------------------------
_workspaces: dict[str, Workspace] = {"default": Workspace()}
_current = ["default"]


def _ws() -> Workspace:
    return _workspaces[_current[0]]


def CurrentWorkspace() -> str:  # noqa: N802
    """Name of the current workspace (``"default"`` at start)."""
    return _current[0]


def SwitchWorkspace(name: str, create_if_missing: bool = False) -> None:  # noqa: N802
    """Make workspace ``name`` current; blobs and nets are per workspace. Returns None,
    as Caffe2's does.

    Raises:
        GraphlabError: it does not exist and ``create_if_missing`` is False.
    """
    if name not in _workspaces:
        if not create_if_missing:
            raise GraphlabError(
                f"Workspace {name!r} does not exist." + did_you_mean(name, _workspaces)
                + f" Existing: {', '.join(_workspaces)}. Create it with "
                f"workspace.SwitchWorkspace({name!r}, True)."
            )
        _workspaces[name] = Workspace()
    _current[0] = name


def Workspaces() -> list[str]:  # noqa: N802
    """Names of all workspaces (``"default"`` and those made by ``SwitchWorkspace``)."""
    return list(_workspaces)


def ResetWorkspace(root_folder: str | None = None) -> bool:  # noqa: N802
    """Replace the current workspace with an empty one (all blobs and created nets go)."""
    old = _ws()
    _workspaces[_current[0]] = Workspace(seed=old._seed)
    _workspaces[_current[0]]._check_finite = old._check_finite
    if root_folder is not None:
        _workspaces[_current[0]].root_folder = root_folder
    return True


def CurrentWorkspaceObject() -> Workspace:  # noqa: N802
    """The :class:`Workspace` behind the module functions."""
    return _ws()


def GlobalInit(args: list[str]) -> bool:  # noqa: N802
    """Accept Caffe2's process flags (``["caffe2", "--caffe2_log_level=0"]``), warn that
    they are ignored (graphlab has no C++ runtime), and return True; as
    :func:`graphlab.core.GlobalInit`, which says what is refused."""
    ignored = caffe2_flags(args)
    if ignored:
        warnings.warn(f"GlobalInit: graphlab has no C++ runtime to configure and ignores "
                      f"{', '.join(ignored)}.", stacklevel=2)
    return True


#: graphlab runs on the CPU (Caffe2 scripts test this before building GPU nets).
has_gpu_support = False


def NumCudaDevices() -> int:  # noqa: N802
    """Always 0: graphlab has no GPU."""
    return 0


def SetRandomSeed(seed: int | None) -> None:  # noqa: N802
    """Seed the current workspace: same seed, same program → bit-identical results."""
    _ws().seed(seed)


def FeedBlob(name: str, arr: Any, device_option: Any = None) -> bool:  # noqa: N802
    """Store a copy of ``arr`` as blob ``name`` in the current workspace."""
    return _ws().feed_blob(name, arr)


def FetchBlob(name: str) -> np.ndarray:  # noqa: N802
    """A copy of blob ``name``; a missing blob raises a ``RuntimeError`` naming it."""
    return _ws().fetch_blob(name)


def FetchBlobs(names: list[str]) -> list[np.ndarray]:  # noqa: N802
    """``[FetchBlob(n) for n in names]``: copies, in the order asked."""
    return [FetchBlob(n) for n in names]


def HasBlob(name: str) -> bool:  # noqa: N802
    """True if the current workspace has a blob called ``name``."""
    return _ws().has_blob(name)


def Blobs() -> list[str]:  # noqa: N802
    """Sorted names of the blobs in the current workspace."""
    return _ws().blobs()


def Nets() -> list[str]:  # noqa: N802
    """Names of the nets created (``CreateNet``) in the current workspace."""
    return _ws().nets()


def RunOperatorOnce(operator: OperatorDef) -> bool:  # noqa: N802
    """Run one op (from ``core.CreateOperator``) with a fresh instance."""
    return _ws().run_operator_once(operator)


def RunNetOnce(net: NetLike) -> bool:  # noqa: N802
    """Instantiate ``net``, run it once and discard it (fresh op state each call)."""
    return _ws().run_net_once(net)


def CreateNet(  # noqa: N802
    net: NetLike, overwrite: bool = False, input_blobs: Any = None, check_finite: bool = False
) -> bool:
    """Compile ``net`` into the current workspace for :func:`RunNet`.

    ``check_finite=True`` turns on the divergence guard for this net (graphlab's own).
    """
    return _ws().create_net(net, overwrite=overwrite, input_blobs=input_blobs,
                            check_finite=check_finite)


def RunNet(  # noqa: N802
    name: Any, num_iter: int = 1, allow_fail: bool = False, check_finite: bool | None = None
) -> bool:
    """Run a created net by name (or Net) ``num_iter`` times.

    ``check_finite`` turns the divergence guard on or off for this call only.
    """
    if allow_fail:
        try:
            return _ws().run_net(name, num_iter, check_finite)
        except GraphlabError:
            return False
    return _workspaces[_current[0]].run_net(name, num_iter, check_finite)  # _ws(), inlined


def SetDivergenceGuard(on: bool = True) -> None:  # noqa: N802
    """Guard every run in the current workspace against NaN/inf (graphlab's own)."""
    _ws().set_divergence_guard(on)


def SaveBlobs(path: str, names: list[str] | None = None) -> list[str]:  # noqa: N802
    """Save blobs of the current workspace to an ``.npz`` checkpoint (all if ``names`` is
    None); see :meth:`Workspace.save_blobs`."""
    return _ws().save_blobs(path, names)


def LoadBlobs(  # noqa: N802
    path: str, names: list[str] | None = None, prefix: str = "",
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> list[str]:
    """Load blobs from an ``.npz`` checkpoint into the current workspace, all or nothing;
    see :meth:`Workspace.load_blobs` (``max_bytes`` caps the file's total size, 1 GiB by
    default; None: no cap)."""
    return _ws().load_blobs(path, names, prefix=prefix, max_bytes=max_bytes)


class _BlobsView:
    """``workspace.blobs["X"]`` fetches, ``workspace.blobs["X"] = arr`` feeds."""

    def __getitem__(self, name: str) -> np.ndarray:
        return FetchBlob(name)

    def __setitem__(self, name: str, value: Any) -> None:
        FeedBlob(name, value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and HasBlob(name)

    def __len__(self) -> int:
        return len(Blobs())

    def __iter__(self) -> Iterator[str]:
        return iter(Blobs())


blobs = _BlobsView()

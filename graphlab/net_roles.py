"""What each op and blob *is* in a net picture: op kinds, blob roles, versions, node ids.

Pure functions over lists of :class:`~graphlab.proto.OperatorDef`; no drawing here.
:mod:`graphlab.net_drawer` turns the answers into colours and shapes.

* :func:`op_category` — ``"forward"``, ``"gradient"`` or ``"update"`` (the optimizer's ops);
* :func:`detect_params` — the parameters of a plain net: blobs an update op rewrites from
  their own gradient (``WeightedSum([W, ONE, W_grad, LR], W)``, ``Adam([W, m1, m2,
  W_grad, ...], [W, m1, m2])``: ``W``, but not the moments ``m1``/``m2``);
* :func:`blob_roles` — each blob's role: parameter, gradient, optimizer state, data,
  ground truth, or activation (a computed value);
* :func:`blob_versions` — Caffe2's numbering of rewrites: a blob's first node is version
  0, every later *write* makes the next version (``W`` v0 is read by ``FC``, ``W`` v1 is
  written by ``WeightedSum``);
* :class:`NodeIds` — unique node ids: Caffe2's ``name + version`` wherever that is free,
  a longer readable id only on a collision (blob ``x`` v10 and blob ``x1`` v0 are both
  ``x10`` in Caffe2's scheme, which silently joined two blobs into one node).
"""

from __future__ import annotations

from collections.abc import Sequence

from .nets import BlobVersions, blobs_read_before_written, updated_param, versioned_name
from .proto import OperatorDef
from .registry import op_family

__all__ = [
    "ROLES",
    "UPDATE_FAMILY",
    "UPDATE_OP_TYPES",
    "NodeIds",
    "blob_roles",
    "blob_versions",
    "detect_params",
    "is_grad_name",
    "op_category",
]

#: Optimizer op types for ops the registry does not know (a net parsed from a Caffe2
#: file may use any of them). Registered ops are asked instead (:data:`UPDATE_FAMILY`).
UPDATE_OP_TYPES: tuple[str, ...] = (
    "Iter",
    "AtomicIter",
    "LearningRate",
    "WeightedSum",
    "ScatterWeightedSum",
    "MomentumSGD",
    "MomentumSGDUpdate",
    "SparseMomentumSGDUpdate",
    "Adam",
    "SparseAdam",
    "RowWiseSparseAdam",
    "Adagrad",
    "SparseAdagrad",
    "RowWiseSparseAdagrad",
    "RmsProp",
    "Ftrl",
    "Lars",
    "ClipTensorByScaling",
)

#: The op family (``registry.op_family``, the file ``graphlab/ops/<family>.py``) that holds
#: the optimizer's ops: ``graphlab/ops/train.py``.
UPDATE_FAMILY = "train"

#: Forward ops whose type happens to end in "Gradient".
_FORWARD_TYPES = ("StopGradient",)

#: Blob roles, in the order a legend lists them.
ROLES: tuple[str, ...] = (
    "parameter", "gradient", "optimizer", "data", "ground_truth", "activation",
)


def is_grad_name(name: str) -> bool:
    """Caffe2's gradient blob names: ``W_grad``, ``loss_autogen_grad``, ``_X_grad_autosplit_0``."""
    return name.endswith("_grad") or "_grad_autosplit_" in name


def _is_update_type(op_type: str) -> bool:
    family = op_family(op_type)  # "" for a type graphlab does not know
    return family == UPDATE_FAMILY if family else op_type in UPDATE_OP_TYPES


def op_category(op: OperatorDef) -> str:
    """``"gradient"``, ``"update"`` or ``"forward"``: what part of training ``op`` does.

    Gradient ops are those with ``is_gradient_op`` set, a type ending in ``Gradient``
    (except ``StopGradient``, a forward op), or whose outputs are all gradient blobs
    (``*_grad``: the loss seed ``ConstantFill`` into ``loss_autogen_grad``, and the ``Sum``
    that accumulates split gradients ``_X_grad_autosplit_0``). Update ops are the
    optimizer's: for a registered op, one from the ``train`` family
    (``graphlab/ops/train.py``: ``Iter``, ``LearningRate``, ``WeightedSum``, ``Adam``, ...);
    for an unknown type, one listed in :data:`UPDATE_OP_TYPES`.
    """
    if op.is_gradient_op or (op.type.endswith("Gradient") and op.type not in _FORWARD_TYPES):
        return "gradient"
    if op.output and all(is_grad_name(name) for name in op.output):
        return "gradient"
    if _is_update_type(op.type):
        return "update"
    return "forward"


def _first_use_order(ops: Sequence[OperatorDef]) -> dict[str, int]:
    """``{blob: position}`` in the order blobs first appear (inputs before outputs)."""
    order: dict[str, int] = {}
    for op in ops:
        for b in [*op.input, *op.output]:
            order.setdefault(b, len(order))
    return order


def detect_params(ops: Sequence[OperatorDef]) -> list[str]:
    """The blobs an update op rewrites from their own gradient, in first-use order.

    A blob ``p`` is a parameter when an update op (see :func:`op_category`) reads ``p`` and
    ``p_grad`` and writes ``p``. Data and labels (which may get a gradient), the
    optimizer's moments (rewritten, but from someone else's gradient) and counters are
    not parameters. A net without update ops has none: pass ``params=`` to say which.
    """
    found: dict[str, None] = {}
    for op in ops:
        if op_category(op) != "update":
            continue
        param = updated_param(op)
        if param is not None:
            found.setdefault(param, None)
    order = _first_use_order(ops)
    return sorted(found, key=order.__getitem__)


def blob_roles(ops: Sequence[OperatorDef], params: Sequence[str] | None = None) -> dict[str, str]:
    """``{blob: role}`` for every blob of ``ops``, in first-use order.

    Roles (the first that applies):

    * ``"parameter"`` — in ``params`` (default: :func:`detect_params`);
    * ``"gradient"`` — a gradient blob name (``W_grad``), or written by a gradient op;
    * ``"optimizer"`` — other blobs that update ops read or write: the counter ``ITER``,
      the learning rate ``LR``, the constant ``ONE``, Adam's and momentum's moments;
    * ``"ground_truth"`` — named ``*_gt`` (the seed's ``W_gt``, ``B_gt``, ``Y_gt``);
    * ``"data"`` — read before any op writes it (``data``, ``label``: fed from outside),
      or made by an op without inputs and read by a forward op (the seed's
      ``X = GaussianFill()``): values the net learns from, never learns;
    * ``"activation"`` — everything else: values the forward ops compute.
    """
    param_names = list(params) if params is not None else detect_params(ops)
    roles: dict[str, str] = {b: "" for b in _first_use_order(ops)}
    data = dict.fromkeys(blobs_read_before_written(ops))
    made_from_nothing: dict[str, None] = {}
    for op in ops:
        cat = op_category(op)
        for b in op.input:
            if b in made_from_nothing and cat == "forward":
                data.setdefault(b, None)
        for b in op.output:
            if not op.input and cat == "forward":
                made_from_nothing.setdefault(b, None)
    for b in param_names:
        if b in roles:
            roles[b] = "parameter"
    for op in ops:
        cat = op_category(op)
        for b in [*op.input, *op.output]:
            if roles[b]:
                continue
            if is_grad_name(b) or (cat == "gradient" and b in op.output):
                roles[b] = "gradient"
            elif cat == "update":
                roles[b] = "optimizer"
    for b, role in roles.items():
        if role:
            continue
        if b.endswith("_gt"):
            roles[b] = "ground_truth"
        elif b in data:
            roles[b] = "data"
        else:
            roles[b] = "activation"
    return roles


def blob_versions(
    ops: Sequence[OperatorDef],
) -> list[tuple[list[tuple[str, int]], list[tuple[str, int]]]]:
    """For each op, its inputs and outputs as ``(blob, version)`` pairs (Caffe2's numbering).

    A blob's first appearance is version 0, whether read or written; each later write
    makes the next version; a read uses the newest version so far. An op that rewrites
    its input in place (``Relu(Y) -> Y``) reads ``Y`` v0 and writes ``Y`` v1.
    """
    versions = BlobVersions()
    result: list[tuple[list[tuple[str, int]], list[tuple[str, int]]]] = []
    for op in ops:
        ins = [(b, versions.read(b)) for b in op.input]
        outs = [(b, versions.write(b)) for b in op.output]
        result.append((ins, outs))
    return result


class NodeIds:
    """Hands out node ids that are never used twice.

    ``claim(preferred, *fallbacks)`` returns the first choice not taken yet; when all
    are taken it appends ``~2``, ``~3``, ... to the last one. Because every id, op or
    blob, goes through one ``NodeIds``, two different nodes can never share an id.
    """

    def __init__(self) -> None:
        self._taken: dict[str, None] = {}
        self._blobs: dict[tuple[str, int], str] = {}

    def claim(self, preferred: str, *fallbacks: str) -> str:
        for choice in (preferred, *fallbacks):
            if choice not in self._taken:
                self._taken[choice] = None
                return choice
        base = (preferred, *fallbacks)[-1]
        k = 2
        while f"{base}~{k}" in self._taken:
            k += 1
        self._taken[f"{base}~{k}"] = None
        return f"{base}~{k}"

    def blob(self, name: str, version: int) -> tuple[str, bool]:
        """``(id, new)`` of blob ``name`` at ``version``: Caffe2's ``name + version`` when
        free, else ``"name v<version>"``; ``new`` is True the first time it is asked."""
        key = (name, version)
        if key in self._blobs:
            return self._blobs[key], False
        node_id = self.claim(versioned_name(name, version), f"{name} v{version}")
        self._blobs[key] = node_id
        return node_id, True

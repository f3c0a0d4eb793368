"""``ModelHelper``: a model = a training net + its parameter-initialisation net + parameters.

Writing a model with two bare :class:`~graphlab.core.Net` objects means remembering, for
every weight, to add a filler to the init net *and* an op to the train net *and* an
update rule. ``ModelHelper`` keeps that bookkeeping (Caffe2's 2018 tutorials use it)::

    model = ModelHelper(name="regression_model")
    y_pred = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)   # adds y_pred_w, y_pred_b
    dist = model.SquaredL2Distance(["Y_gt", y_pred], "dist")        # forwarded to model.net
    loss = model.AveragedLoss(dist, "loss")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.05)

    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net)
    workspace.RunNet(model.net, 100)

Attributes:
    net: the training (or prediction) net, named ``name``.
    param_init_net: the net that creates the parameters, named ``name + "_init"``.
    params: the parameters (BlobReferences), in creation order.
    weights, biases: the subsets of ``params`` tagged as weights / biases (``brew.fc``
        fills them); optimizers with ``weights_only`` use ``weights``.
    grad_map: after :meth:`AddGradientOperators`, ``{blob: gradient blob}`` for every blob
        the backward pass reaches; ``param_to_grad`` keeps just the parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import core
from .errors import ArgumentError, did_you_mean
from .registry import has_op, op_names

__all__ = ["KNOWN_WORKING_OPS", "ModelHelper", "ParameterInfo", "ParameterTags"]

#: Operators Caffe2's ModelHelper forwarded without comment (its ``_known_working_ops``).
#: With ``allow_not_known_ops=False`` only these may be created through the helper.
KNOWN_WORKING_OPS: tuple[str, ...] = (
    "Accuracy", "Adam", "Add", "Adagrad", "SparseAdagrad", "AveragedLoss", "Cast",
    "Checkpoint", "ConstantFill", "Copy", "CopyGPUToCPU", "CopyCPUToGPU", "DequeueBlobs",
    "EnsureCPUOutput", "ExpandDims", "Flatten", "FlattenToVec", "LabelCrossEntropy",
    "LearningRate", "MakeTwoClass", "MatMul", "NCCLAllreduce", "NHWC2NCHW", "PackSegments",
    "Print", "PRelu", "ReduceFrontSum", "Scale", "ScatterWeightedSum", "Sigmoid",
    "SortedSegmentSum", "Snapshot", "SoftmaxWithLoss", "SquaredL2Distance", "Squeeze",
    "StopGradient", "Summarize", "Tanh", "Transpose", "UnpackSegments", "WeightedSum",
)


class ParameterTags:
    """Tags a parameter can carry (``brew.fc`` tags its ``_w`` WEIGHT and ``_b`` BIAS)."""

    WEIGHT = "WEIGHT"
    BIAS = "BIAS"
    COMPUTED_PARAM = "COMPUTED_PARAM"  # computed from data, not trained (running means)


@dataclass
class ParameterInfo:
    """What an optimizer needs to know about one parameter.

    Attributes:
        blob: the parameter blob.
        grad: its gradient blob (None until gradients are added).
        shape: its shape, when it was created through :meth:`ModelHelper.create_param`.
        tags: e.g. ``["WEIGHT"]``.
        optimizer: an optimizer dedicated to this parameter (else the one being built).
    """

    blob: core.BlobReference
    grad: core.BlobReference | None = None
    shape: list[int] | None = None
    tags: tuple[str, ...] = ()
    optimizer: Any = None

    @property
    def name(self) -> str:
        return str(self.blob)

    def __str__(self) -> str:
        return self.name


class ModelHelper:
    """A net, its parameter-initialisation net, and the list of parameters.

    Args:
        name: the model's name; ``net`` gets this name, ``param_init_net`` gets
            ``name + "_init"`` (both made unique in the process, like every Net).
        init_params: when False, ``brew`` helpers register parameters but add no fillers
            to ``param_init_net`` (you feed or load the values yourself).
        arg_scope: keyword arguments every ``brew`` helper that accepts them receives
            (a call's own keywords win), e.g. ``{"axis": 1}``.
        allow_not_known_ops: forward *any* registered operator (``model.Relu(...)``) to
            ``net``. With False only :data:`KNOWN_WORKING_OPS` are forwarded.

    Teaching simplifications (vs Caffe2): the default ``arg_scope`` is empty (Caffe2
    pre-filled ``order="NCHW"``, ``use_cudnn=True`` and ``cudnn_exhaustive_search=False``,
    GPU settings that then showed up as arguments on every layer); ops outside
    Caffe2's known list are forwarded silently instead of logging a warning.
    """

    def __init__(
        self,
        name: str | None = "model",
        init_params: bool = True,
        arg_scope: dict[str, Any] | None = None,
        allow_not_known_ops: bool = True,
    ) -> None:
        name = "model" if name is None else str(name)
        self.name = name
        self.net = core.Net(name)
        self.param_init_net = core.Net(name + "_init")
        self.init_params = init_params
        self.allow_not_known_ops = allow_not_known_ops
        self._arg_scope: dict[str, Any] = dict(arg_scope or {})
        self.params: list[core.BlobReference] = []
        self.weights: list[core.BlobReference] = []
        self.biases: list[core.BlobReference] = []
        self._computed_params: list[core.BlobReference] = []
        self._param_info: dict[str, ParameterInfo] = {}
        self.gradient_ops_added = False
        self.grad_map: dict[core.BlobReference, core.BlobReference] = {}
        self.param_to_grad: dict[core.BlobReference, core.BlobReference] = {}

    # ---- parameters --------------------------------------------------------------------
    @property
    def arg_scope(self) -> dict[str, Any]:
        """A copy of the keyword arguments ``brew`` helpers receive by default."""
        return dict(self._arg_scope)

    def create_param(
        self,
        param_name: str,
        shape: Sequence[int],
        initializer: tuple[str, dict[str, Any]] | None = None,
        tags: str | Sequence[str] | None = None,
    ) -> core.BlobReference:
        """Add a filler for ``param_name`` to ``param_init_net`` and register the parameter.

        Args:
            param_name: the blob name.
            shape: its shape, e.g. ``[dim_out, dim_in]``.
            initializer: ``(filler op type, its arguments)``, e.g. ``("XavierFill", {})``
                or ``("ConstantFill", {"value": 0.5})``; default XavierFill.
            tags: :class:`ParameterTags` values.

        Returns:
            A BlobReference to the parameter (its net is ``param_init_net``).
        """
        op_type, kwargs = initializer if initializer is not None else ("XavierFill", {})
        shape = [int(s) for s in shape]
        if self.init_params:
            blob = getattr(self.param_init_net, op_type)([], param_name, shape=shape, **kwargs)
        else:
            blob = core.BlobReference(param_name, self.param_init_net)
        self.AddParameter(blob, tags)
        self._param_info[str(blob)].shape = shape
        return blob

    def AddParameter(  # noqa: N802 - Caffe2's name
        self, param: str, tags: str | Sequence[str] | None = None
    ) -> core.BlobReference:
        """Register ``param`` as a parameter (it will be optimized if it gets a gradient).

        A parameter tagged ``ParameterTags.COMPUTED_PARAM`` (a running mean, computed from
        data rather than trained) goes to ``GetComputedParams()`` instead of ``params``.
        """
        ref = param if isinstance(param, core.BlobReference) else core.BlobReference(str(param))
        tag_list = (tags,) if isinstance(tags, str) else tuple(tags or ())
        if ParameterTags.COMPUTED_PARAM in tag_list:
            self._computed_params.append(ref)  # kept, but never trained
        else:
            self.params.append(ref)
        if ParameterTags.WEIGHT in tag_list:
            self.weights.append(ref)
        if ParameterTags.BIAS in tag_list:
            self.biases.append(ref)
        self._param_info[str(ref)] = ParameterInfo(blob=ref, tags=tag_list)
        return ref

    def GetParams(self, namescope: str | None = None, top_scope: bool = False) -> list[Any]:  # noqa: N802
        """The parameters, in creation order, without duplicates.

        ``namescope`` keeps only names starting with that prefix (``"fc1/"``); graphlab
        has no name scopes, so it is a plain prefix filter. ``top_scope`` is accepted for
        Caffe2 compatibility.
        """
        prefix = namescope or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        seen: dict[str, core.BlobReference] = {}
        for p in self.params:
            if str(p).startswith(prefix) and str(p) not in seen:
                seen[str(p)] = p
        return list(seen.values())

    def GetComputedParams(self, namescope: str | None = None) -> list[Any]:  # noqa: N802
        """The parameters tagged ``COMPUTED_PARAM``, in creation order: blobs a model keeps
        between runs but computes from data instead of training them (e.g. the running
        mean and variance of batch normalization). ``namescope`` filters as in
        :meth:`GetParams`.
        """
        prefix = namescope or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return [p for p in self._computed_params if str(p).startswith(prefix)]

    def GetAllParams(self, namescope: str | None = None) -> list[Any]:  # noqa: N802
        """Everything a trained model consists of: ``GetParams()`` (trained by the
        optimizer) followed by ``GetComputedParams()``. Save these to keep a model.
        """
        return self.GetParams(namescope) + self.GetComputedParams(namescope)

    def get_param_info(self, param: str) -> ParameterInfo | None:
        """The :class:`ParameterInfo` of ``param`` (None if it is not a parameter)."""
        return self._param_info.get(str(param))

    def GetOptimizationParamInfo(  # noqa: N802
        self, params: Sequence[str] | None = None
    ) -> list[ParameterInfo]:
        """ParameterInfo (blob + gradient) of every parameter that received a gradient.

        Parameters the backward pass never reached (unused, or cut off by StopGradient)
        are left out: there is nothing to update them with.

        Raises:
            RuntimeError: ``AddGradientOperators`` has not been called yet.
        """
        if not self.gradient_ops_added:
            raise RuntimeError(
                "Need to call AddGradientOperators first: the optimizer updates each "
                "parameter with its gradient blob, and those exist only after "
                "model.AddGradientOperators([loss])."
            )
        names = [str(p) for p in (params if params is not None else self.GetParams())]
        return [self._param_info[n] for n in names if n in self._param_info
                and self._param_info[n].grad is not None]

    def Validate(self) -> list[str]:  # noqa: N802
        """Check that no parameter is registered twice; return ``[]`` when all is well.

        Raises:
            ValueError: names the duplicated parameters. The usual cause is re-running a
                notebook cell that calls ``brew.fc(model, ..., "fc1", ...)`` on the same
                model; make a new ``ModelHelper`` in that cell instead.
        """
        counts: dict[str, int] = {}
        for p in self.params:
            counts[str(p)] = counts.get(str(p), 0) + 1
        dupes = [n for n, c in counts.items() if c > 1]
        if dupes:
            raise ValueError(
                f"Duplicate entries in params: {dupes}. Each parameter was created more "
                "than once, e.g. by running the same brew.fc(...) line twice on this model "
                "(re-running a notebook cell does that). Create a fresh ModelHelper in the "
                "cell that builds the model."
            )
        return []

    # ---- gradients ---------------------------------------------------------------------
    def AddGradientOperators(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:  # noqa: N802
        """Append the backward pass to ``net`` (see ``Net.AddGradientOperators``).

        Records ``grad_map`` and ``param_to_grad`` so optimizers can find each
        parameter's gradient. Returns the gradient map.

        Raises:
            RuntimeError: called a second time on the same model.
        """
        if self.gradient_ops_added:
            raise RuntimeError(
                "You cannot run AddGradientOperators twice. The backward ops are already in "
                f"{self.net.Name()!r}; if you re-ran a notebook cell, rebuild the model "
                "from a fresh ModelHelper."
            )
        self.Validate()
        self.grad_map = self.net.AddGradientOperators(*args, **kwargs)
        self.gradient_ops_added = True
        self.param_to_grad = {}
        for p in self.GetParams():
            if p in self.grad_map:
                grad = self.grad_map[p]
                self.param_to_grad[p] = grad
                info = self._param_info.get(str(p))
                if info is None:
                    info = self._param_info[str(p)] = ParameterInfo(blob=p)
                info.grad = grad
        return self.grad_map

    # ---- the nets ----------------------------------------------------------------------
    def Proto(self) -> Any:  # noqa: N802
        """``net.Proto()``: the training net's NetDef (so ``RunNet(model)`` works too)."""
        return self.net.Proto()

    def InitProto(self) -> Any:  # noqa: N802
        """``param_init_net.Proto()``."""
        return self.param_init_net.Proto()

    def TensorProtosDBInput(  # noqa: N802 - Caffe2's name
        self,
        unused_blob_in: Sequence[Any],
        blob_out: Sequence[str],
        batch_size: int,
        db: str,
        db_type: str,
        **kwargs: Any,
    ) -> Any:
        """Read batches from a DB: ``CreateDB`` in ``param_init_net``, the input op in ``net``.

        Adds ``CreateDB([], "dbreader_" + db, db=db, db_type=db_type)`` to
        ``param_init_net`` and ``TensorProtosDBInput([reader], blob_out,
        batch_size=batch_size)`` to ``net``; returns the output references (one per
        tensor in each record). ``unused_blob_in`` must be empty, as in Caffe2: the
        reader is made here. ``brew.db_input`` does the same.
        """
        if len(unused_blob_in) != 0:
            raise ArgumentError(
                "model.TensorProtosDBInput makes its own DB reader; pass [] as its first "
                "argument, or add the op to the net yourself: "
                "model.net.TensorProtosDBInput([reader], outputs, batch_size=...)."
            )
        reader = self.param_init_net.CreateDB([], "dbreader_" + str(db), db=db,
                                              db_type=db_type)
        return self.net.TensorProtosDBInput(reader, list(blob_out), batch_size=batch_size,
                                            **kwargs)

    def __repr__(self) -> str:
        return (f"ModelHelper({self.name!r}: net {self.net.Name()!r} with {len(self.net)} ops, "
                f"init net {self.param_init_net.Name()!r} with {len(self.param_init_net)} ops, "
                f"{len(self.params)} params)")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        """Jupyter shows a model as its training net's picture, with ``params`` marked as
        the parameters (see :func:`graphlab.net_drawer.net_mimebundle`)."""
        from .net_drawer import net_mimebundle

        return net_mimebundle(self, text=repr(self))

    def __getattr__(self, op_type: str) -> Any:
        """``model.SquaredL2Distance(...)`` is ``model.net.SquaredL2Distance(...)``."""
        if op_type.startswith("__") or op_type.startswith("_"):
            raise AttributeError(op_type)
        if not has_op(op_type):
            own = [n for n in dir(type(self)) if not n.startswith("_")] + list(vars(self))
            raise AttributeError(
                f"ModelHelper has no attribute {op_type!r}, and it is not a registered "
                "operator either." + did_you_mean(op_type, [*own, *op_names()])
            )
        if op_type not in KNOWN_WORKING_OPS and not self.allow_not_known_ops:
            raise AttributeError(
                f"Operator {op_type} is not known to be safe to add through the ModelHelper "
                "(allow_not_known_ops=False). Use a brew helper, or add it to the net "
                f"directly: model.net.{op_type}(...)."
            )
        return getattr(self.net, op_type)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(op_names()))

"""Save a prediction net with its trained parameters in one DB file, and load it back.

After training, the MNIST tutorial keeps only what prediction needs::

    pe_meta = pe.PredictorExportMeta(
        predict_net=deploy_model.net.Proto(),          # the forward ops
        parameters=[str(b) for b in deploy_model.params],
        inputs=["data"], outputs=["softmax"])
    pe.save_to_db("minidb", "mnist_model.minidb", pe_meta)
    ...
    workspace.ResetWorkspace()
    predict_net = pe.prepare_prediction_net("mnist_model.minidb", "minidb")
    workspace.FeedBlob("data", images)
    workspace.RunNetOnce(predict_net)

What the file holds (Caffe2's layout, so either program reads the other's files):

* every parameter, saved as ``Save`` saves blobs (:mod:`graphlab.blobdb`);
* a string blob ``"!!META_NET_DEF"``: a serialized ``MetaNetDef`` message holding three
  nets and three blob lists, each under a key:

  - ``GLOBAL_INIT_NET_TYPE``: ``Load([!!PREDICTOR_DBREADER], parameters)`` — reads the
    parameters back from this same file;
  - ``PREDICT_INIT_NET_TYPE``: a zero ``ConstantFill`` for every input and output, in
    the shape it had in the workspace at export (or from ``shapes``);
  - ``PREDICT_NET_TYPE``: the prediction net, with ``external_input`` = inputs +
    parameters and ``external_output`` = outputs;
  - ``PARAMETERS_BLOB_TYPE``, ``INPUTS_BLOB_TYPE``, ``OUTPUTS_BLOB_TYPE``: the names.

  A non-empty ``name`` on the meta is appended to each key (``PREDICT_NET_TYPE_<name>``),
  so one file can hold several models.

:func:`prepare_prediction_net` opens the file with ``CreateDB`` into the blob
``"!!PREDICTOR_DBREADER"``, loads ``"!!META_NET_DEF"``, runs the two init nets, and
creates the prediction net in the current workspace.

Departures from Caffe2: the exported nets keep their names (Caffe2 built them through
``core.Net`` and so got ``_1`` suffixes when a name was taken); mistakes in the meta
(a parameter that is also an input, a blob missing from the workspace) raise errors that
name the blobs instead of failing assertions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import core, workspace
from ..blobdb import write_blobs
from ..errors import GraphlabError
from ..proto import DeviceOption, NetDef
from ..wire import message_class, to_message

__all__ = [
    "GLOBAL_INIT_NET_TYPE",
    "INPUTS_BLOB_TYPE",
    "META_NET_DEF",
    "OUTPUTS_BLOB_TYPE",
    "PARAMETERS_BLOB_TYPE",
    "PREDICTOR_DBREADER",
    "PREDICT_INIT_NET_TYPE",
    "PREDICT_NET_TYPE",
    "PredictorExportMeta",
    "get_blobs",
    "get_meta_net_def",
    "get_net",
    "load_from_db",
    "prepare_prediction_net",
    "save_to_db",
]

MetaNetDef = message_class("MetaNetDef")

#: Blob names and keys of Caffe2's predictor format (its ``predictor_constants``).
META_NET_DEF = "!!META_NET_DEF"
PREDICTOR_DBREADER = "!!PREDICTOR_DBREADER"
GLOBAL_INIT_NET_TYPE = "GLOBAL_INIT_NET_TYPE"
PREDICT_INIT_NET_TYPE = "PREDICT_INIT_NET_TYPE"
PREDICT_NET_TYPE = "PREDICT_NET_TYPE"
PARAMETERS_BLOB_TYPE = "PARAMETERS_BLOB_TYPE"
INPUTS_BLOB_TYPE = "INPUTS_BLOB_TYPE"
OUTPUTS_BLOB_TYPE = "OUTPUTS_BLOB_TYPE"


class PredictorExportError(GraphlabError):
    """An export that cannot be made as described (overlapping or missing blobs)."""


def _key(kind: str, name: str) -> str:
    return f"{kind}_{name}" if name else kind


def _as_netdef(net: Any, what: str) -> NetDef:
    if isinstance(net, core.Net):
        return net.Proto()
    if isinstance(net, NetDef):
        return net
    raise PredictorExportError(f"{what} must be a core.Net or a NetDef, got "
                               f"{type(net).__name__}.")


class PredictorExportMeta:
    """What to export: the prediction net, its parameters, inputs and outputs.

    Args:
        predict_net: the net that predicts (a ``core.Net`` or its ``NetDef``).
        parameters: blobs saved with the model (e.g. ``model.params``).
        inputs: blobs the caller feeds before each prediction.
        outputs: blobs the caller fetches afterwards.
        shapes: ``{blob: shape}`` for inputs/outputs that are not in the workspace at
            export time (their zero-filled placeholder shape).
        name: appended to every key, so several models can share a file.
        extra_init_net, global_init_net: nets appended to the predict-init and
            global-init nets.
        net_type, num_workers: copied into the exported prediction net.
        trainer_prefix: kept for Caffe2's API (it named training plans graphlab has not).

    Raises:
        PredictorExportError: inputs listed twice, or parameters that are also inputs
            or outputs (Caffe2 asserted the same).
    """

    def __init__(
        self,
        predict_net: Any,
        parameters: Iterable[Any],
        inputs: Iterable[Any],
        outputs: Iterable[Any],
        shapes: Mapping[str, Sequence[int]] | None = None,
        name: str = "",
        extra_init_net: Any = None,
        global_init_net: Any = None,
        net_type: str | None = None,
        num_workers: int | None = None,
        trainer_prefix: str | None = None,
    ) -> None:
        self.predict_net = _as_netdef(predict_net, "predict_net")
        self.parameters = [str(p) for p in parameters]
        self.inputs = [str(i) for i in inputs]
        self.outputs = [str(o) for o in outputs]
        repeated = [i for k, i in enumerate(self.inputs) if i in self.inputs[:k]]
        if repeated:
            raise PredictorExportError(f"input {repeated[0]!r} is listed twice; every "
                                       "input of the predictor must be unique.")
        for role, names in (("inputs", self.inputs), ("outputs", self.outputs)):
            both = [p for p in self.parameters if p in names]
            if both:
                raise PredictorExportError(
                    f"{both} are listed both as parameters and as {role}; a parameter is "
                    f"saved with the model, {role} are fed/fetched per prediction. Remove "
                    "them from one list."
                )
        self.shapes = {str(k): tuple(v) for k, v in (shapes or {}).items()}
        self.name = name
        self.extra_init_net = (None if extra_init_net is None
                               else _as_netdef(extra_init_net, "extra_init_net"))
        self.global_init_net = (None if global_init_net is None
                                else _as_netdef(global_init_net, "global_init_net"))
        self.net_type = net_type
        self.num_workers = num_workers
        self.trainer_prefix = trainer_prefix

    def inputs_name(self) -> str:
        return _key(INPUTS_BLOB_TYPE, self.name)

    def outputs_name(self) -> str:
        return _key(OUTPUTS_BLOB_TYPE, self.name)

    def parameters_name(self) -> str:
        return _key(PARAMETERS_BLOB_TYPE, self.name)

    def global_init_name(self) -> str:
        return _key(GLOBAL_INIT_NET_TYPE, self.name)

    def predict_init_name(self) -> str:
        return _key(PREDICT_INIT_NET_TYPE, self.name)

    def predict_net_name(self) -> str:
        return _key(PREDICT_NET_TYPE, self.name)

    def __repr__(self) -> str:
        return (f"PredictorExportMeta(predict_net={self.predict_net.name!r}, "
                f"{len(self.parameters)} parameters, inputs={self.inputs}, "
                f"outputs={self.outputs})")


# ---- the three nets ---------------------------------------------------------------------


def _predict_init_net(meta: PredictorExportMeta) -> NetDef:
    """Zero-fill every input and output, so the prediction net can be created at once."""
    net = NetDef(name="predict-init")
    for blob in meta.inputs + meta.outputs:
        shape = meta.shapes.get(blob)
        if shape is None:
            if not workspace.HasBlob(blob):
                raise PredictorExportError(
                    f"{blob!r} is not in the workspace, so its shape is unknown; run the "
                    f"net once before exporting, or pass shapes={{{blob!r}: [...]}}."
                )
            shape = workspace.FetchBlob(blob).shape
        net.op.append(core.CreateOperator("ConstantFill", [], [blob],
                                          shape=[int(d) for d in shape], value=0.0))
    net.external_input.extend(meta.inputs + meta.outputs)
    if meta.extra_init_net is not None:
        net.op.extend(meta.extra_init_net.op)
    return net


def _global_init_net(meta: PredictorExportMeta) -> NetDef:
    """Load the parameters from the file the predictor was opened from."""
    net = NetDef(name="global-init")
    net.op.append(core.CreateOperator("Load", [PREDICTOR_DBREADER], meta.parameters))
    net.external_input.append(PREDICTOR_DBREADER)
    net.external_output.extend(meta.parameters)
    if meta.global_init_net is not None:
        net.op.extend(meta.global_init_net.op)
    return net


def _predict_net(meta: PredictorExportMeta) -> NetDef:
    source = meta.predict_net
    net = NetDef(name=source.name or "predict", op=list(source.op), arg=list(source.arg))
    net.external_input.extend(meta.inputs + meta.parameters)
    net.external_output.extend(meta.outputs)
    if meta.net_type is not None:
        net.type = meta.net_type
    if meta.num_workers is not None:
        net.num_workers = meta.num_workers
    return net


def get_meta_net_def(predictor_export_meta: PredictorExportMeta) -> Any:
    """The ``MetaNetDef`` message describing an export (see the module doc)."""
    meta = predictor_export_meta
    meta_net_def = MetaNetDef()
    for key, net in ((meta.predict_init_name(), _predict_init_net(meta)),
                     (meta.global_init_name(), _global_init_net(meta)),
                     (meta.predict_net_name(), _predict_net(meta))):
        entry = meta_net_def.nets.add(key=key)
        entry.value.CopyFrom(to_message(net))
    for key, names in ((meta.parameters_name(), meta.parameters),
                       (meta.inputs_name(), meta.inputs),
                       (meta.outputs_name(), meta.outputs)):
        meta_net_def.blobs.add(key=key).value.extend(names)
    return meta_net_def


def get_net(meta_net_def: Any, key: str) -> NetDef | None:
    """The net stored under ``key`` (e.g. ``PREDICT_NET_TYPE``) as a graphlab NetDef."""
    for entry in meta_net_def.nets:
        if entry.key == key:
            net = NetDef()
            net.ParseFromString(entry.value.SerializeToString())
            return net
    return None


def get_blobs(meta_net_def: Any, key: str) -> list[str]:
    """The blob names stored under ``key`` (e.g. ``PARAMETERS_BLOB_TYPE``)."""
    for entry in meta_net_def.blobs:
        if entry.key == key:
            return list(entry.value)
    return []


# ---- saving and loading -----------------------------------------------------------------


def save_to_db(db_type: str, db_destination: str,
               predictor_export_meta: PredictorExportMeta, use_ideep: bool = False,
               **kwargs: Any) -> None:
    """Write the parameters (from the current workspace) and the meta net to a new DB.

    ``db_type`` is ``"minidb"`` or ``"lmdb"``; ``db_destination`` a path (relative to the
    working directory). ``use_ideep`` and Save's extra keywords are accepted and ignored
    (graphlab has one CPU engine).

    Raises:
        PredictorExportError: a parameter, input or output is not in the workspace.
    """
    meta_net_def = get_meta_net_def(predictor_export_meta)
    missing = [p for p in predictor_export_meta.parameters if not workspace.HasBlob(p)]
    if missing:
        raise PredictorExportError(
            f"parameter(s) {missing} are not in the workspace; run the init net (or train) "
            "before exporting."
        )
    serialized = np.empty((), dtype=object)
    serialized[()] = meta_net_def.SerializeToString()
    blobs = {META_NET_DEF: serialized}
    for name in predictor_export_meta.parameters:
        blobs[name] = workspace.FetchBlob(name)
    write_blobs(db_type, db_destination, blobs)


def load_from_db(filename: str, db_type: str,
                 device_option: DeviceOption | None = None) -> Any:
    """Open an exported model and return its ``MetaNetDef`` (the nets are not run).

    Leaves two blobs in the current workspace, as Caffe2 did: ``"!!PREDICTOR_DBREADER"``
    (a reader on the file, which the global-init net loads the parameters through) and
    ``"!!META_NET_DEF"`` (the serialized meta net). With ``device_option``, every op of
    every stored net gets that device option.
    """
    workspace.RunOperatorOnce(core.CreateOperator(
        "CreateDB", [], [PREDICTOR_DBREADER], db=filename, db_type=db_type))
    workspace.RunOperatorOnce(core.CreateOperator(
        "Load", [PREDICTOR_DBREADER], [META_NET_DEF]))
    blob = workspace.FetchBlob(META_NET_DEF).item()
    meta_net_def = MetaNetDef()
    meta_net_def.ParseFromString(blob if isinstance(blob, bytes) else blob.encode("utf-8"))
    if device_option is not None:
        wire_option = to_message(device_option)
        for entry in meta_net_def.nets:
            for op in entry.value.op:
                op.device_option.CopyFrom(wire_option)
    return meta_net_def


def prepare_prediction_net(filename: str, db_type: str,
                           device_option: DeviceOption | None = None) -> core.Net:
    """Load an exported model into the current workspace; return its prediction net.

    Runs the global-init net (loads the parameters) and the predict-init net
    (zero-fills inputs and outputs), then ``CreateNet``s the prediction net: feed the
    inputs and ``RunNet``/``RunNetOnce`` it.
    """
    meta_net_def = load_from_db(filename, db_type, device_option)
    for key in (GLOBAL_INIT_NET_TYPE, PREDICT_INIT_NET_TYPE):
        net = get_net(meta_net_def, key)
        if net is None:
            raise PredictorExportError(f"{filename!r} holds no {key} net; is it a model "
                                       "written by save_to_db?")
        workspace.RunNetOnce(net)
    predict = get_net(meta_net_def, PREDICT_NET_TYPE)
    if predict is None:
        raise PredictorExportError(f"{filename!r} holds no {PREDICT_NET_TYPE} net.")
    predict_net = core.Net(predict)
    workspace.CreateNet(predict_net)
    return predict_net

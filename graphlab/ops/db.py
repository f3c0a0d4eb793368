"""Reading training data from a database: ``CreateDB`` and ``TensorProtosDBInput``.

A dataset in Caffe2 is a DB (:mod:`graphlab.db`) whose every record is one example: a
serialized ``TensorProtos`` with one tensor per field (an image and its label, say). A
net reads it with two ops::

    reader = init_net.CreateDB([], "dbreader", db="iris_train.minidb", db_type="minidb")
    train_net.TensorProtosDBInput([reader], ["X", "Y"], batch_size=16)

``CreateDB`` opens the DB and puts a *reader* (a :class:`graphlab.db.DBReader`, not an
array) in its output blob; each run of ``TensorProtosDBInput`` takes the next
``batch_size`` records from that reader and stacks tensor ``k`` of every record into
output ``k``, so ``X`` is ``[16, 4]`` float32 when each record holds a ``[4]`` float
feature vector. After the last record it goes on from the first, so training can run
for any number of iterations (Caffe2 did the same).

Departures from Caffe2: records are read on the op's own thread when it runs (Caffe2
prefetched the next batch in the background: same batches, same order); ``num_shards``
and ``shard_id`` are not available.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..db import DBError, DBReader
from ..registry import NO_GRADIENT, OpContext, register_op
from ..tensors import TensorFormatError, tensor_to_array
from ..wire import message_class

TensorProtos = message_class("TensorProtos")


@register_op("CreateDB", inputs=0, outputs=1, grad=NO_GRADIENT, shape_from_values=True)
def create_db(*, ctx: OpContext, db: str, db_type: str = "leveldb") -> DBReader:
    """Open the DB ``db`` of format ``db_type`` for reading; the output is its reader.

    ``db_type`` is ``"minidb"`` (one file) or ``"lmdb"`` (a folder); Caffe2's default
    ``"leveldb"`` is not available, so pass ``db_type`` explicitly. The reader starts at
    the first record. Output: a DBReader blob, input to ``TensorProtosDBInput`` or
    ``Load``; it is not an array and cannot be fetched.

    In a net made by ``CreateNet`` the op opens the DB on its first run and hands out
    the same reader on later runs, so a net holding both ``CreateDB`` and
    ``TensorProtosDBInput`` (as the create_your_own_dataset tutorial builds it) walks
    on through the data. (Caffe2 reopened the DB every run while its input op had
    already prefetched the next batch, so there the batches depended on thread timing.)
    """
    reader = ctx.state.get("reader")
    if ctx.persistent and reader is not None:
        return reader
    reader = DBReader(db_type, db)
    ctx.state["reader"] = reader
    return reader


def _check_batch(ctx: OpContext, records: list[tuple[bytes, bytes]], n_out: int
                 ) -> list[list[np.ndarray]]:
    """Decode each record into ``n_out`` arrays (one per output)."""
    columns: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for key, value in records:
        protos = TensorProtos()
        try:
            protos.ParseFromString(value)
        except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError, re-raised
            raise DBError(f"record {key!r} is not a serialized TensorProtos ({exc}).") from None
        if len(protos.protos) != n_out:
            raise DBError(
                f"record {key!r} holds {len(protos.protos)} tensor(s) but the op has "
                f"{n_out} output(s) ({', '.join(ctx.op.output)}); give one output per "
                "tensor in each record."
            )
        for k, proto in enumerate(protos.protos):
            try:
                columns[k].append(tensor_to_array(proto, f"record {key!r}, tensor {k}"))
            except TensorFormatError as exc:
                raise DBError(str(exc)) from None
    return columns


@register_op("TensorProtosDBInput", inputs=1, outputs=(1, None), grad=NO_GRADIENT)
def tensor_protos_db_input(reader: DBReader, *, ctx: OpContext, batch_size: int = 0
                           ) -> Any:
    """The next ``batch_size`` records of ``reader``, tensor ``k`` of each into output ``k``.

    Each record is a TensorProtos holding one tensor per output. Output ``k`` is
    ``[batch_size, *dims_k]`` (the records' tensors stacked in DB order) with the
    tensors' dtype (BYTE images become uint8). ``batch_size=0`` (the default) reads one
    record and gives its tensors without a batch axis. Records wrap around: after the
    DB's last record comes its first. If a record is corrupt or its tensors disagree in
    shape, the op fails and the reader does not move.

    Every record's tensor ``k`` must have the same shape and type (Caffe2 asked the
    same). In a net made by ``CreateNet`` the op checks that each batch is laid out like
    its first one, which lets the net run the ops after it without re-checking their
    input shapes (trusted runs, see :mod:`graphlab.fast.plan`).
    """
    if not isinstance(reader, DBReader):
        raise DBError(
            f"input {ctx.op.input[0]!r} is a {type(reader).__name__}, not a DB reader; "
            f"make it with CreateDB([], [{ctx.op.input[0]!r}], db=..., db_type=...)."
        )
    if batch_size < 0:
        raise DBError(f"batch_size must be 0 or more, got {batch_size}.")
    start = reader.position()
    records = reader.read(max(batch_size, 1))
    try:
        columns = _check_batch(ctx, records, len(ctx.op.output))
        if batch_size == 0:
            outputs = [column[0] for column in columns]
        else:
            outputs = []
            for k, column in enumerate(columns):
                shapes = [a.shape for a in column]
                if any(s != shapes[0] for s in shapes):
                    bad = next(i for i, s in enumerate(shapes) if s != shapes[0])
                    raise DBError(
                        f"tensor {k} of record {records[bad][0]!r} has shape {shapes[bad]} but "
                        f"the batch's first record has {shapes[0]}; every record's tensor "
                        f"{k} must have the same shape to be stacked into {ctx.op.output[k]!r}."
                    )
                outputs.append(np.stack(column))
        layout = [(o.shape, o.dtype) for o in outputs]
        first = ctx.state.setdefault("layout", layout) if ctx.persistent else layout
        if layout != first:
            k = next(i for i, (a, b) in enumerate(zip(layout, first)) if a != b)
            raise DBError(
                f"this batch's {ctx.op.output[k]!r} is {layout[k][1]} {layout[k][0]} but the "
                f"op's first batch was {first[k][1]} {first[k][0]}; every record must hold "
                "tensors of the same shapes and types."
            )
    except DBError:
        reader.rewind(start)
        raise
    return outputs[0] if len(outputs) == 1 else tuple(outputs)

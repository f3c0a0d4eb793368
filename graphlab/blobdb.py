"""Blobs in a Caffe2 DB, record by record, as Caffe2's ``Save`` writes them.

``Save(..., db_type="minidb")`` stores each blob as one or more DB records whose values
are serialized ``BlobProto`` messages (``name``, ``type``, and a ``TensorProto`` or raw
``content``). The layout, checked against real Caffe2 in tests/fidelity/:

* a tensor of ``n`` elements is cut into runs of at most :data:`CHUNK_SIZE` elements; run
  ``k`` is the record ``"<name>#%<k>"`` holding a BlobProto with ``type: "Tensor"`` and a
  TensorProto with the full ``dims``, ``segment {begin end}``, the blob's name and
  ``device_detail {device_type: 0}`` (CPU). An empty tensor is one run ``0..0``.
* a string blob (a 0-d array of bytes in graphlab) is one record ``"<name>"`` holding a
  BlobProto with ``type: "std::string"`` and the bytes in ``content``.

Reading accepts what older Caffe2 wrote too: a record keyed by the bare blob name holding
a whole tensor with no segment. The blob's name is the key up to ``#%``.

This module only turns blobs into records and back; :mod:`graphlab.db` stores records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from .db import DBError, Mode, create_db, read_records
from .files import atomic_path
from .tensors import TensorFormatError, array_to_tensor, tensor_to_array
from .wire import message_class

__all__ = ["CHUNK_SIZE", "SEPARATOR", "blob_records", "blobs_from_records", "read_blobs",
           "write_blobs"]

BlobProto = message_class("BlobProto")

#: Elements per saved tensor record (Caffe2's default chunk size).
CHUNK_SIZE = 1_000_000
#: Between a blob's name and its chunk number in a record key.
SEPARATOR = "#%"


def _is_string_blob(array: np.ndarray) -> bool:
    return array.ndim == 0 and (array.dtype.kind in "SU" or (
        array.dtype == object and isinstance(array.item(), (bytes, str))))


def blob_records(name: str, array: np.ndarray) -> list[tuple[str, bytes]]:
    """The ``(key, value)`` records Caffe2's Save writes for blob ``name``."""
    array = np.asarray(array)
    if _is_string_blob(array):
        content = array.item()
        proto = BlobProto(name=name, type="std::string",
                          content=content.encode("utf-8") if isinstance(content, str)
                          else content)
        return [(name, proto.SerializeToString())]
    records = []
    begins = range(0, max(array.size, 1), CHUNK_SIZE)
    for chunk, begin in enumerate(begins):
        end = min(begin + CHUNK_SIZE, array.size)
        proto = BlobProto(name=name, type="Tensor")
        proto.tensor.CopyFrom(array_to_tensor(array, name=name, segment=(begin, end)))
        proto.tensor.device_detail.device_type = 0
        records.append((f"{name}{SEPARATOR}{chunk}", proto.SerializeToString()))
    return records


def blobs_from_records(records: Iterable[tuple[bytes, bytes]], source: str
                       ) -> dict[str, np.ndarray]:
    """Blobs rebuilt from Save's records (in the order their first record appears).

    Raises:
        DBError: a record that is not a BlobProto, a blob type graphlab cannot hold, or
            segments that do not cover a tensor exactly once.
    """
    parts: dict[str, list[object]] = {}
    for key, value in records:
        name = key.decode("utf-8").split(SEPARATOR, 1)[0]
        proto = BlobProto()
        try:
            proto.ParseFromString(value)
        except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError, re-raised
            raise DBError(f"{source!r}: record {key!r} is not a saved blob (a BlobProto): "
                          f"{exc}.") from None
        parts.setdefault(name, []).append(proto)
    blobs: dict[str, np.ndarray] = {}
    for name, protos in parts.items():
        try:
            blobs[name] = _assemble(name, protos)
        except TensorFormatError as exc:
            raise DBError(f"{source!r}: {exc}") from None
    return blobs


def _assemble(name: str, protos: list[object]) -> np.ndarray:
    first = protos[0]
    if first.type == "std::string":
        out = np.empty((), dtype=object)
        out[()] = bytes(first.content)
        return out
    if first.type != "Tensor" or not first.HasField("tensor"):
        raise TensorFormatError(
            f"blob {name!r} has type {first.type!r}; graphlab loads tensors and strings only."
        )
    if len(protos) == 1 and not first.tensor.HasField("segment"):
        return tensor_to_array(first.tensor, f"blob {name!r}")
    dims = [int(d) for d in first.tensor.dims]
    size = int(np.prod(dims, dtype=np.int64))
    flat = None
    covered = 0
    for proto in protos:
        tensor = proto.tensor
        if [int(d) for d in tensor.dims] != dims or not tensor.HasField("segment"):
            raise TensorFormatError(f"blob {name!r}: its records disagree on dims/segments.")
        values = tensor_to_array(tensor, f"blob {name!r}")
        if flat is None:
            flat = np.empty(size, dtype=values.dtype)
        flat[tensor.segment.begin:tensor.segment.end] = values
        covered += values.size
    if covered != size:
        raise TensorFormatError(
            f"blob {name!r}: its segments hold {covered} of {size} values (a record is "
            "missing or repeated)."
        )
    return flat.reshape(dims)


def write_blobs(db_type: str, path: str, blobs: Mapping[str, np.ndarray]) -> None:
    """Write ``blobs`` to a new DB at ``path`` as Caffe2's Save does.

    Every record is built before anything is opened, so a blob that cannot be stored
    raises before anything is written. A minidb file is written next to ``path`` and
    renamed over it when complete (:func:`graphlab.files.atomic_path`), so a failure never
    leaves half a file. An lmdb folder must not exist yet (as in Caffe2, whose Save made a
    *new* DB): records are never mixed into an older DB.
    """
    records = [r for name, array in blobs.items() for r in blob_records(name, array)]
    if db_type != "minidb":
        _write_records(db_type, path, records)
        return
    # a new file gets open()'s permissions, a replaced one keeps its own, a symbolic
    # link is followed, and file-system errors name the path (graphlab.files)
    with atomic_path(path, DBError, "minidb file") as tmp:
        _write_records(db_type, tmp, records)


def _write_records(db_type: str, path: str, records: list[tuple[str, bytes]]) -> None:
    db = create_db(db_type, path, Mode.new)
    txn = db.new_transaction()
    for key, value in records:
        txn.put(key, value)
    txn.commit()
    del txn
    db.close()


def read_blobs(db_type: str, path: str) -> dict[str, np.ndarray]:
    """Every blob stored in the DB at ``path`` by Save (graphlab's or Caffe2's)."""
    return blobs_from_records(read_records(db_type, path), path)

"""What Caffe2's C++ extension module (``core.C``) offered that graphlab has: the DB API.

Caffe2's Python code reached its C++ core through ``core.C`` (a pybind11 module); the
dataset tutorials use it to write databases::

    db = core.C.create_db("minidb", "iris_train.minidb", core.C.Mode.write)
    transaction = db.new_transaction()
    transaction.put("train_000", feature_and_label.SerializeToString())
    del transaction, db            # dropping them commits and closes, as in Caffe2

graphlab's version is :mod:`graphlab.db`, in Python; this module only gathers its names
under the ones Caffe2 used.
"""

from __future__ import annotations

from .db import DB, DB_TYPES, Cursor, Mode, Transaction, create_db

__all__ = ["DB", "Cursor", "Mode", "Transaction", "create_db", "registered_dbs"]


def registered_dbs() -> list[str]:
    """The ``db_type`` names graphlab can open."""
    return list(DB_TYPES)

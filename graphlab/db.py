"""Key-value databases in Caffe2's formats: ``minidb`` (one file) and ``lmdb`` (a folder).

A Caffe2 *DB* is a list of ``(key, value)`` records, both byte strings. What the values
mean is up to the writer: a serialized ``TensorProtos`` per training example (the
tutorials' datasets, read by ``TensorProtosDBInput``), or a serialized ``BlobProto`` per
saved blob (``Save``/``Load`` with ``db_type="minidb"``, the predictor exporter). The
API is Caffe2's, as ``core.C`` exposes it::

    db = core.C.create_db("minidb", "iris.minidb", core.C.Mode.write)
    txn = db.new_transaction()
    txn.put("train_000", record_bytes)
    txn.commit()
    db.close()

    cursor = core.C.create_db("minidb", "iris.minidb", core.C.Mode.read).new_cursor()
    while cursor.valid():
        print(cursor.key(), len(cursor.value()))
        cursor.next()

File layouts (facts of Caffe2's formats, checked against real Caffe2 in
tests/fidelity/test_db_fidelity.py):

* **minidb**: records one after another, in the order they were put. Each record is
  ``key length`` (4-byte little-endian int), ``value length`` (same), the key bytes, the
  value bytes. No header, no index; duplicate keys are kept.
* **lmdb**: a folder holding an LMDB environment (``data.mdb``, ``lock.mdb``), opened
  through the ``lmdb`` package. Records come back sorted by key (byte order), and a key
  put twice keeps its last value.

Modes: ``read`` opens an existing DB; ``write`` opens for writing (a minidb file is
started afresh; an lmdb folder is created if needed); ``new`` makes a new DB (an lmdb
folder must not exist yet). A transaction that is dropped without ``commit`` commits
itself, as Caffe2's did (the create_your_own_dataset tutorial relies on ``del``).

Departure from Caffe2: an unknown ``db_type`` or a missing file raises an error that
says what exists (Caffe2 returned ``None`` or aborted).
"""

from __future__ import annotations

import abc
import enum
import os
import struct
from collections.abc import Iterator
from typing import Any

from .errors import GraphlabError, did_you_mean

__all__ = [
    "DB",
    "DB_TYPES",
    "Cursor",
    "DBReader",
    "DBError",
    "Mode",
    "Transaction",
    "create_db",
    "read_records",
]


class DBError(GraphlabError):
    """A database that cannot be opened, read or written."""


class Mode(enum.IntEnum):
    """How :func:`create_db` opens a DB (Caffe2's ``db::Mode``: READ, WRITE, NEW)."""

    read = 0
    write = 1
    new = 2


def _as_bytes(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a DB {what} must be bytes or str, got {type(value).__name__}.")


class Transaction(abc.ABC):
    """Writes records: :meth:`put` them, then :meth:`commit` (or just drop it)."""

    def put(self, key: str | bytes, value: bytes) -> None:
        """Add the record ``key -> value`` (str keys are stored as UTF-8)."""
        self._put(_as_bytes(key, "key"), _as_bytes(value, "value"))

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every record put so far durable."""

    @abc.abstractmethod
    def _put(self, key: bytes, value: bytes) -> None:
        """Store one record (key and value already bytes)."""

    def __del__(self) -> None:
        try:
            self.commit()
        except Exception:  # noqa: BLE001, S110 - never raise from a finalizer
            pass


class Cursor(abc.ABC):
    """Walks the records in order: ``valid()``, ``key()``, ``value()``, ``next()``."""

    @abc.abstractmethod
    def seek_to_first(self) -> None:
        """Go back to the first record."""

    @abc.abstractmethod
    def next(self) -> None:  # noqa: A003 - Caffe2's name
        """Move to the following record (``valid()`` turns False after the last)."""

    @abc.abstractmethod
    def valid(self) -> bool:
        """True while the cursor is on a record."""

    @abc.abstractmethod
    def key(self) -> bytes:
        """The current record's key."""

    @abc.abstractmethod
    def value(self) -> bytes:
        """The current record's value."""

    def supports_seek(self) -> bool:
        """Whether the cursor can jump to a key (neither format here does)."""
        return False

    @abc.abstractmethod
    def position(self) -> Any:
        """An opaque bookmark of where the cursor is, for :meth:`restore`."""

    @abc.abstractmethod
    def restore(self, position: Any) -> None:
        """Go back to a bookmark from :meth:`position`."""


class DB(abc.ABC):
    """An open database: make transactions (write modes) and cursors (read mode)."""

    db_type = ""

    def __init__(self, source: str, mode: Mode) -> None:
        self.source = source
        self.mode = Mode(mode)

    def new_transaction(self) -> Transaction:
        """A transaction to put records with (the DB must be open for writing)."""
        if self.mode == Mode.read:
            raise DBError(f"{self.db_type} {self.source!r} is open for reading; open it with "
                          "Mode.write or Mode.new to put records.")
        return self._transaction()

    def new_cursor(self) -> Cursor:
        """A cursor on the first record (the DB must be open for reading)."""
        if self.mode != Mode.read:
            raise DBError(f"{self.db_type} {self.source!r} is open for writing; open it "
                          "again with Mode.read to read it.")
        return self._cursor()

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and close; the DB object cannot be used afterwards."""

    @abc.abstractmethod
    def _transaction(self) -> Transaction:
        """A transaction of this format (the mode is already checked)."""

    @abc.abstractmethod
    def _cursor(self) -> Cursor:
        """A cursor of this format on the first record (the mode is already checked)."""

    def __enter__(self) -> DB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - never raise from a finalizer
            pass


# ---- minidb ---------------------------------------------------------------------------

_HEADER = struct.Struct("<ii")  # key length, value length


class _MiniDBTransaction(Transaction):
    def __init__(self, db: MiniDB) -> None:
        self._db = db

    def _put(self, key: bytes, value: bytes) -> None:
        self._db.append(key, value)

    def commit(self) -> None:
        self._db.flush()


class _MiniDBCursor(Cursor):
    """Reads records straight from the file; the position is the record's byte offset."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._file = open(path, "rb")  # noqa: SIM115 - kept open while the cursor lives
        self._size = os.fstat(self._file.fileno()).st_size
        self._offset = 0
        self._record: tuple[bytes, bytes] | None = None
        self._load()

    def _load(self) -> None:
        if self._offset >= self._size:
            self._record = None
            return
        self._file.seek(self._offset)
        header = self._file.read(_HEADER.size)
        if len(header) == _HEADER.size:
            key_len, value_len = _HEADER.unpack(header)
            if key_len >= 0 and value_len >= 0:
                key = self._file.read(key_len)
                value = self._file.read(value_len)
                if len(key) == key_len and len(value) == value_len:
                    self._record = (key, value)
                    return
        raise DBError(
            f"minidb {self._path!r} is truncated or not a minidb: the record at byte "
            f"{self._offset} does not fit in the file's {self._size} bytes. A minidb holds "
            "records of (4-byte key length, 4-byte value length, key, value)."
        )

    def seek_to_first(self) -> None:
        self._offset = 0
        self._load()

    def next(self) -> None:  # noqa: A003
        if self._record is None:
            return
        self._offset += _HEADER.size + len(self._record[0]) + len(self._record[1])
        self._load()

    def valid(self) -> bool:
        return self._record is not None

    def key(self) -> bytes:
        return self._current()[0]

    def value(self) -> bytes:
        return self._current()[1]

    def _current(self) -> tuple[bytes, bytes]:
        if self._record is None:
            raise DBError(f"the cursor on minidb {self._path!r} is past its last record.")
        return self._record

    def position(self) -> int:
        return self._offset

    def restore(self, position: int) -> None:
        self._offset = position
        self._load()

    def __del__(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


class MiniDB(DB):
    """Caffe2's ``minidb``: one file of length-prefixed records (see the module doc)."""

    db_type = "minidb"

    def __init__(self, source: str, mode: Mode) -> None:
        super().__init__(source, mode)
        self._file = None
        if self.mode == Mode.read:
            if not os.path.isfile(source):
                raise DBError(f"minidb {source!r} does not exist (or is not a file).")
        else:
            try:
                self._file = open(source, "wb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise DBError(f"cannot write minidb {source!r}: {exc.strerror}.") from None

    def append(self, key: bytes, value: bytes) -> None:
        """Write one record at the end of the file."""
        if self._file is None:
            raise DBError(f"minidb {self.source!r} is closed.")
        self._file.write(_HEADER.pack(len(key), len(value)) + key + value)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _transaction(self) -> Transaction:
        return _MiniDBTransaction(self)

    def _cursor(self) -> Cursor:
        return _MiniDBCursor(self.source)


# ---- lmdb -----------------------------------------------------------------------------

_MAP_SIZE = 1 << 40  # the most the file may grow to (Caffe2's choice); disk use is actual


class _LMDBTransaction(Transaction):
    """Puts go into an LMDB write transaction, begun at the first put after a commit."""

    def __init__(self, env: Any) -> None:
        self._env = env
        self._txn: Any = None

    def _put(self, key: bytes, value: bytes) -> None:
        if self._txn is None:
            self._txn = self._env.begin(write=True)
        self._txn.put(key, value)

    def commit(self) -> None:
        if self._txn is not None:
            txn, self._txn = self._txn, None
            txn.commit()


class _LMDBCursor(Cursor):
    def __init__(self, env: Any, source: str) -> None:
        self._source = source
        self._txn = env.begin(buffers=False)
        self._cursor = self._txn.cursor()
        self._valid = self._cursor.first()

    def seek_to_first(self) -> None:
        self._valid = self._cursor.first()

    def next(self) -> None:  # noqa: A003
        if self._valid:
            self._valid = self._cursor.next()

    def valid(self) -> bool:
        return bool(self._valid)

    def key(self) -> bytes:
        self._check()
        return bytes(self._cursor.key())

    def value(self) -> bytes:
        self._check()
        return bytes(self._cursor.value())

    def _check(self) -> None:
        if not self._valid:
            raise DBError(f"the cursor on lmdb {self._source!r} is past its last record.")

    def position(self) -> bytes | None:
        return bytes(self._cursor.key()) if self._valid else None

    def restore(self, position: bytes | None) -> None:
        self._valid = self._cursor.set_key(position) if position is not None else False


#: Environments open for reading, shared: LMDB allows one per folder per process.
#: real path -> [environment, number of LMDB objects using it]
_READ_ENVS: dict[str, list[Any]] = {}


class LMDB(DB):
    """An LMDB environment in a folder, through the ``lmdb`` package (see the module doc).

    LMDB lets a process open a folder only once, so every reader of the same folder
    (two ``CreateDB`` ops, a ``Load`` through a reader) shares one environment, closed
    when the last of them closes.
    """

    db_type = "lmdb"

    def __init__(self, source: str, mode: Mode) -> None:
        import lmdb  # imported here: only lmdb users need the package loaded

        super().__init__(source, mode)
        self._env: Any = None
        self._key = os.path.realpath(source)
        if self.mode == Mode.read and not os.path.isdir(source):
            raise DBError(f"lmdb {source!r} does not exist (an lmdb DB is a folder holding "
                          "data.mdb).")
        if self.mode == Mode.new and os.path.exists(source):
            raise DBError(f"lmdb {source!r} already exists; Mode.new makes a new DB. Delete "
                          "it first, or open it with Mode.write.")
        if self.mode != Mode.read and self._key in _READ_ENVS:
            raise DBError(f"lmdb {source!r} is open for reading in this process (a CreateDB "
                          "reader holds it); reset the workspace before writing to it.")
        try:
            if self.mode == Mode.read:
                if self._key not in _READ_ENVS:
                    env = lmdb.open(source, readonly=True, lock=False, readahead=False,
                                    map_size=_MAP_SIZE)
                    _READ_ENVS[self._key] = [env, 0]
                _READ_ENVS[self._key][1] += 1
                self._env = _READ_ENVS[self._key][0]
            else:
                os.makedirs(source, exist_ok=True)
                self._env = lmdb.open(source, map_size=_MAP_SIZE)
        except lmdb.Error as exc:
            raise DBError(f"cannot open lmdb {source!r}: {exc}") from None

    def close(self) -> None:
        if self._env is None:
            return
        env, self._env = self._env, None
        if self.mode != Mode.read:
            env.close()
            return
        entry = _READ_ENVS[self._key]
        entry[1] -= 1
        if entry[1] == 0:
            del _READ_ENVS[self._key]
            env.close()

    def _transaction(self) -> Transaction:
        return _LMDBTransaction(self._env)

    def _cursor(self) -> Cursor:
        return _LMDBCursor(self._env, self.source)


#: The DB formats graphlab has, by Caffe2's ``db_type`` name.
DB_TYPES: dict[str, type[DB]] = {"minidb": MiniDB, "lmdb": LMDB}


def create_db(db_type: str, source: str, mode: Mode | int) -> DB:
    """Open the DB ``source`` of format ``db_type`` (``"minidb"``/``"lmdb"``) in ``mode``.

    Raises:
        DBError: unknown ``db_type``; a DB to read that does not exist; a file that
            cannot be written.
    """
    if db_type not in DB_TYPES:
        raise DBError(
            f"db_type {db_type!r} is not available; graphlab has "
            f"{', '.join(repr(t) for t in DB_TYPES)}." + did_you_mean(db_type, DB_TYPES)
        )
    return DB_TYPES[db_type](os.fspath(source), Mode(mode))


def read_records(db_type: str, source: str) -> Iterator[tuple[bytes, bytes]]:
    """Every ``(key, value)`` of a DB, in the DB's order."""
    db = create_db(db_type, source, Mode.read)
    cursor = db.new_cursor()
    while cursor.valid():
        yield cursor.key(), cursor.value()
        cursor.next()
    db.close()


class DBReader:
    """An open DB and a cursor on it: what ``CreateDB`` puts in its output blob.

    ``TensorProtosDBInput`` takes successive records from it; after the last record it
    starts again at the first (Caffe2's reader did the same), so an input op can run for
    any number of iterations. ``Load`` with a reader input reads the DB from the start.
    """

    def __init__(self, db_type: str, source: str) -> None:
        self.db_type = db_type
        self.source = source
        self._db = create_db(db_type, source, Mode.read)
        self._cursor = self._db.new_cursor()
        if not self._cursor.valid():
            raise DBError(f"{db_type} {source!r} holds no records; there is nothing to read.")

    def read(self, count: int) -> list[tuple[bytes, bytes]]:
        """The next ``count`` records, wrapping around to the first after the last.

        If reading fails part-way (a corrupt record), the reader stays where it was.
        """
        start = self._cursor.position()
        records = []
        try:
            for _ in range(count):
                records.append((self._cursor.key(), self._cursor.value()))
                self._cursor.next()
                if not self._cursor.valid():
                    self._cursor.seek_to_first()
        except Exception:
            self._cursor.restore(start)
            raise
        return records

    def rewind(self, position: Any) -> None:
        """Return to a :meth:`position` (an op that fails after reading calls this)."""
        self._cursor.restore(position)

    def position(self) -> Any:
        """Where the next :meth:`read` starts."""
        return self._cursor.position()

    def copy(self) -> DBReader:
        """A reader is a handle on an open DB, not data: ``FetchBlob`` cannot copy it."""
        raise DBError(
            f"blob holds a DBReader on {self.db_type} {self.source!r}, not an array; fetch "
            "the blobs TensorProtosDBInput reads into instead."
        )

    def __repr__(self) -> str:
        return f"DBReader(db_type={self.db_type!r}, source={self.source!r})"

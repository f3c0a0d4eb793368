"""Datasets for the tutorials, with no download: iris, and MNIST-shaped digits in a DB.

Caffe2's tutorials fetched their data from the internet. Classrooms often have none, so
graphlab builds the same files from data that ships with scikit-learn (a notebook/dev
dependency: ``pip install scikit-learn``):

* **iris** (create_your_own_dataset): :func:`iris` gives the 150 flowers as float32
  features ``[150, 4]`` and int64 labels (0 setosa, 1 versicolor, 2 virginica);
  :func:`iris_csv` gives the same rows as the UCI ``iris.data`` text the tutorial
  downloaded, so its ``np.loadtxt`` cells run unchanged.
* **MNIST** (the LeNet tutorial): :func:`make_mnist_dbs` writes
  ``mnist-train-nchw-lmdb`` and ``mnist-test-nchw-lmdb`` in ``data_folder``, in the layout
  of Caffe2's ``make_mnist_db --channel_first``: record keys ``"00000000"``,
  ``"00000001"``, ...; each value a ``TensorProtos`` of a BYTE image ``[1, 28, 28]`` and
  an INT32 label. ``TensorProtosDBInput`` then yields uint8 ``[N, 1, 28, 28]`` images and
  int32 ``[N]`` labels, so the tutorial's LeNet runs unchanged.

  The images come from scikit-learn's 1,797 handwritten *digits* (8x8 pixels, values
  0..16): each is scaled to 0..255, resized to 20x20 by bilinear interpolation and
  centred in a 28x28 frame with a 4-pixel border, the way MNIST centres its 20x20
  digits. If you have the real MNIST files (``train-images-idx3-ubyte`` etc., gzipped
  or not), pass their folder as ``idx_folder`` and those are used instead
  (:func:`read_idx` reads the format).
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
from typing import Any

import numpy as np

from .db import Mode, create_db
from .errors import GraphlabError
from .wire import message_class

__all__ = [
    "IRIS_NAMES",
    "digits_28x28",
    "iris",
    "iris_csv",
    "make_mnist_dbs",
    "mnist_records",
    "read_idx",
    "resize_bilinear_matrix",
]

TensorProtos = message_class("TensorProtos")

#: The iris classes in label order, spelled as in the UCI file.
IRIS_NAMES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")

#: Real MNIST file names (as distributed), for ``idx_folder``.
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DatasetError(GraphlabError):
    """A dataset that cannot be built or read."""


def _sklearn_datasets() -> Any:
    try:
        from sklearn import datasets as sk_datasets  # optional: notebooks/dev extra
    except ImportError:
        raise DatasetError(
            "graphlab.datasets builds its data from scikit-learn's bundled datasets; install "
            "it with `pip install scikit-learn` (or `pip install graphlab[notebooks]`)."
        ) from None
    return sk_datasets


# ---- iris --------------------------------------------------------------------------------


def iris() -> tuple[np.ndarray, np.ndarray]:
    """The iris flowers: features float32 ``[150, 4]`` (sepal length, sepal width, petal
    length, petal width, in cm) and labels int64 ``[150]`` in {0, 1, 2}, in the UCI
    file's order (50 of each class)."""
    bunch = _sklearn_datasets().load_iris()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int64)


def iris_csv() -> str:
    """The iris data as the UCI ``iris.data`` text: ``5.1,3.5,1.4,0.2,Iris-setosa`` per line."""
    features, labels = iris()
    lines = [",".join(f"{v:.1f}" for v in row) + "," + IRIS_NAMES[label]
             for row, label in zip(features.tolist(), labels.tolist())]
    return "\n".join(lines) + "\n"


# ---- images ------------------------------------------------------------------------------


def resize_bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``R`` ``[n_out, n_in]`` such that ``R @ image @ R.T`` resizes a square image.

    Output pixel ``i`` samples the input at ``x = (i + 0.5) * n_in / n_out - 0.5`` (pixel
    centres aligned), clamped to the image, and mixes its two neighbours ``floor(x)``
    and ``floor(x) + 1`` with weights ``1 - t`` and ``t``, ``t = x - floor(x)``. Each row
    of ``R`` sums to 1, so a constant image stays constant.
    """
    x = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    left = np.floor(x).astype(int)
    right = np.minimum(left + 1, n_in - 1)
    t = x - left
    R = np.zeros((n_out, n_in))
    R[np.arange(n_out), left] += 1 - t
    R[np.arange(n_out), right] += t
    return R


def digits_28x28() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as MNIST-like images: uint8 ``[1797, 1, 28, 28]`` (0..255,
    the digit in the central 20x20) and int32 labels ``[1797]``."""
    bunch = _sklearn_datasets().load_digits()
    small = bunch.images * (255.0 / 16.0)  # [N, 8, 8], 0..255
    R = resize_bilinear_matrix(8, 20)
    big = np.einsum("ij,njk,lk->nil", R, small, R)  # R @ image @ R.T for every image
    images = np.zeros((len(small), 1, 28, 28), dtype=np.uint8)
    images[:, 0, 4:24, 4:24] = np.clip(np.rint(big), 0, 255).astype(np.uint8)
    return images, bunch.target.astype(np.int32)


def _open_maybe_gz(path: str) -> Any:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # noqa: SIM115


def read_idx(path: str) -> np.ndarray:
    """Read an MNIST IDX file (plain or gzipped) into a uint8 array.

    The format: a big-endian magic number ``2051`` for images (then the count, rows and
    columns as big-endian uint32, then ``count * rows * cols`` bytes) or ``2049`` for
    labels (the count, then one byte per label). Images come back ``[N, rows, cols]``,
    labels ``[N]``.

    Raises:
        DatasetError: an unknown magic number or a file shorter than its header says.
    """
    with _open_maybe_gz(path) as f:
        data = f.read()
    if len(data) < 8:
        raise DatasetError(f"{path!r} is too short to be an MNIST IDX file.")
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        header, shape = 16, (count, rows, cols)
    elif magic == 2049:
        header, shape = 8, (count,)
    else:
        raise DatasetError(
            f"{path!r} has magic number {magic}; MNIST IDX files start with 2051 (images) "
            "or 2049 (labels)."
        )
    size = int(np.prod(shape))
    if len(data) - header < size:
        raise DatasetError(f"{path!r} is truncated: its header promises {size} bytes of "
                           f"data but {len(data) - header} follow.")
    return np.frombuffer(data, dtype=np.uint8, count=size, offset=header).reshape(shape).copy()


def _find(folder: str, name: str) -> str:
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise DatasetError(f"no {name} (or {name}.gz) in {folder!r}.")


def _mnist_from_idx(folder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    image_file, label_file = MNIST_FILES[split]
    images = read_idx(_find(folder, image_file))
    labels = read_idx(_find(folder, label_file))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DatasetError(f"{folder!r}: {split} images {images.shape} and labels "
                           f"{labels.shape} do not match.")
    return images[:, None, :, :], labels.astype(np.int32)


# ---- the MNIST databases -----------------------------------------------------------------


def mnist_records(images: np.ndarray, labels: np.ndarray) -> list[tuple[str, bytes]]:
    """One ``(key, TensorProtos bytes)`` record per image, as ``make_mnist_db`` wrote them.

    ``images`` uint8 ``[N, 1, rows, cols]``; ``labels`` ``[N]``.
    """
    records = []
    for k in range(len(images)):
        protos = TensorProtos()
        image, label = protos.protos.add(), protos.protos.add()
        image.data_type = image.BYTE
        image.dims.extend(int(d) for d in images[k].shape)
        image.byte_data = np.ascontiguousarray(images[k], dtype=np.uint8).tobytes()
        label.data_type = label.INT32
        label.int32_data.append(int(labels[k]))
        records.append((f"{k:08d}", protos.SerializeToString()))
    return records


def _write_db(db_type: str, path: str, records: list[tuple[str, bytes]]) -> None:
    db = create_db(db_type, path, Mode.new if db_type == "lmdb" else Mode.write)
    txn = db.new_transaction()
    for k, (key, value) in enumerate(records):
        txn.put(key, value)
        if (k + 1) % 1000 == 0:
            txn.commit()
    txn.commit()
    del txn
    db.close()


def make_mnist_dbs(
    data_folder: str,
    db_type: str = "lmdb",
    idx_folder: str | None = None,
    test_fraction: float = 1 / 6,
    limit: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
) -> dict[str, str]:
    """Write the MNIST tutorial's train and test DBs into ``data_folder``; return their paths.

    Names: ``mnist-train-nchw-<db_type>`` and ``mnist-test-nchw-<db_type>`` (the
    tutorial's, for lmdb). Without ``idx_folder`` the digits of :func:`digits_28x28`
    are shuffled with ``seed`` and split, ``test_fraction`` of them for testing (300 of
    1,797 by default); with it, the real MNIST train and test files are used as they
    are. ``limit`` keeps at most that many records per DB (small tests). Existing DBs
    are kept unless ``overwrite`` (so a notebook cell can run twice).
    """
    paths = {split: os.path.join(data_folder, f"mnist-{split}-nchw-{db_type}")
             for split in ("train", "test")}
    if all(os.path.exists(p) for p in paths.values()) and not overwrite:
        return paths
    if idx_folder is not None:
        splits = {split: _mnist_from_idx(idx_folder, split) for split in paths}
    else:
        images, labels = digits_28x28()
        order = np.random.default_rng(seed).permutation(len(images))
        n_test = int(round(len(images) * test_fraction))
        splits = {"train": (images[order[n_test:]], labels[order[n_test:]]),
                  "test": (images[order[:n_test]], labels[order[:n_test]])}
    os.makedirs(data_folder, exist_ok=True)
    for split, path in paths.items():
        images, labels = splits[split]
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
        _write_db(db_type, path, mnist_records(images, labels))
    return paths

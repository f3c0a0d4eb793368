"""graphlab.datasets: iris, digits resized to MNIST's frame, IDX files, the MNIST DBs."""

from __future__ import annotations

import gzip
import io
import struct

import numpy as np
import pytest

from graphlab import caffe2_pb2, core, datasets, workspace
from graphlab.db import read_records


def test_iris_arrays_and_text_agree():
    features, labels = datasets.iris()
    assert features.shape == (150, 4) and features.dtype == np.float32
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [50, 50, 50]
    text = datasets.iris_csv()
    assert text.startswith("5.1,3.5,1.4,0.2,Iris-setosa\n")
    # the tutorial's own parsing of the UCI file
    parsed = np.loadtxt(io.StringIO(text), dtype=np.float32, delimiter=",",
                        usecols=(0, 1, 2, 3))
    names = np.loadtxt(io.StringIO(text), dtype=str, delimiter=",", usecols=(4,))
    np.testing.assert_array_equal(parsed, features)
    assert [datasets.IRIS_NAMES.index(n) for n in names] == labels.tolist()


def test_resize_matrix_keeps_constants_and_endpoints():
    R = datasets.resize_bilinear_matrix(8, 20)
    assert R.shape == (20, 8)
    np.testing.assert_allclose(R.sum(axis=1), 1.0)
    ramp = np.arange(8.0)
    out = R @ ramp
    assert np.all(np.diff(out) >= 0) and out[0] == 0 and out[-1] == 7
    # pixel centres line up: upsampling by 2 puts output 2k+1/2 halfway as expected
    np.testing.assert_allclose(datasets.resize_bilinear_matrix(2, 4) @ [0.0, 1.0],
                               [0, 0.25, 0.75, 1])


def test_digits_sit_in_mnists_frame():
    images, labels = datasets.digits_28x28()
    assert images.shape == (1797, 1, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int32
    assert set(labels.tolist()) == set(range(10))
    border = np.ones((28, 28), bool)
    border[4:24, 4:24] = False
    assert images[:, 0, border].max() == 0
    assert images.max() == 255


def _idx(images: np.ndarray | None = None, labels: np.ndarray | None = None) -> bytes:
    if images is not None:
        n, rows, cols = images.shape
        return struct.pack(">IIII", 2051, n, rows, cols) + images.tobytes()
    return struct.pack(">II", 2049, len(labels)) + labels.tobytes()


def test_read_idx_plain_and_gzipped(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    (tmp_path / "img").write_bytes(_idx(images))
    (tmp_path / "lab.gz").write_bytes(gzip.compress(_idx(labels=np.uint8([7, 0, 9]))))
    np.testing.assert_array_equal(datasets.read_idx(str(tmp_path / "img")), images)
    assert datasets.read_idx(str(tmp_path / "lab.gz")).tolist() == [7, 0, 9]
    (tmp_path / "bad").write_bytes(struct.pack(">II", 1234, 1))
    with pytest.raises(datasets.DatasetError, match="magic number 1234"):
        datasets.read_idx(str(tmp_path / "bad"))
    (tmp_path / "short").write_bytes(_idx(images)[:-5])
    with pytest.raises(datasets.DatasetError, match="truncated"):
        datasets.read_idx(str(tmp_path / "short"))


def test_mnist_dbs_from_idx_files_have_make_mnist_dbs_layout(tmp_path):
    rng = np.random.default_rng(1)
    idx = tmp_path / "idx"
    idx.mkdir()
    split_images = {}
    for split, n in (("train", 5), ("test", 3)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        split_images[split] = images
        image_file, label_file = datasets.MNIST_FILES[split]
        (idx / image_file).write_bytes(_idx(images))
        (idx / (label_file + ".gz")).write_bytes(
            gzip.compress(_idx(labels=np.arange(n, dtype=np.uint8))))
    paths = datasets.make_mnist_dbs(str(tmp_path / "data"), idx_folder=str(idx))
    assert paths["train"].endswith("mnist-train-nchw-lmdb")
    records = list(read_records("lmdb", paths["train"]))
    assert [k for k, _ in records] == [b"00000000", b"00000001", b"00000002", b"00000003",
                                       b"00000004"]
    record = caffe2_pb2.TensorProtos()
    record.ParseFromString(records[2][1])
    image, label = record.protos
    assert image.data_type == caffe2_pb2.TensorProto.BYTE and list(image.dims) == [1, 28, 28]
    assert image.byte_data == split_images["train"][2].tobytes()
    assert label.data_type == caffe2_pb2.TensorProto.INT32 and list(label.int32_data) == [2]
    assert list(label.dims) == []
    # the tutorial's reader: uint8 NCHW images, int32 labels
    init = core.Net("init")
    init.CreateDB([], "reader", db=paths["test"], db_type="lmdb")
    workspace.RunNetOnce(init)
    workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["reader"],
                                                  ["data_uint8", "label"], batch_size=2))
    data = workspace.FetchBlob("data_uint8")
    assert data.dtype == np.uint8 and data.shape == (2, 1, 28, 28)
    np.testing.assert_array_equal(data[:, 0], split_images["test"][:2])
    assert workspace.FetchBlob("label").dtype == np.int32


def test_mnist_dbs_from_digits_split_without_overlap(tmp_path):
    paths = datasets.make_mnist_dbs(str(tmp_path), db_type="minidb")
    train = list(read_records("minidb", paths["train"]))
    test = list(read_records("minidb", paths["test"]))
    assert (len(train), len(test)) == (1497, 300)
    assert not set(v for _, v in train[:200]) & set(v for _, v in test)
    # built once: a second call keeps the files (a notebook cell run twice)
    before = open(paths["test"], "rb").read()
    assert datasets.make_mnist_dbs(str(tmp_path), db_type="minidb", limit=5) == paths
    assert open(paths["test"], "rb").read() == before
    datasets.make_mnist_dbs(str(tmp_path), db_type="minidb", limit=5, overwrite=True)
    assert len(list(read_records("minidb", paths["test"]))) == 5

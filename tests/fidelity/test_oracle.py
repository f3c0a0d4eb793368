"""The oracle itself: a program runs in real Caffe2 and its arrays come back intact."""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_oracle import Caffe2Error, requires_caffe2, run_caffe2


@requires_caffe2
def test_relu_round_trip() -> None:
    x = np.array([-1.5, 0.0, 2.0], dtype=np.float32)
    out = run_caffe2("""
from caffe2.python import core, workspace
workspace.FeedBlob("X", INPUTS["X"])
workspace.RunOperatorOnce(core.CreateOperator("Relu", ["X"], ["Y"]))
OUTPUTS["Y"] = workspace.FetchBlob("Y")
OUTPUTS["blobs"] = sorted(str(b) for b in workspace.Blobs())
""", {"X": x})
    assert out["Y"].dtype == np.float32
    np.testing.assert_array_equal(out["Y"], np.maximum(x, 0))
    assert out["blobs"] == ["X", "Y"]


@requires_caffe2
def test_failure_is_reported() -> None:
    with pytest.raises(Caffe2Error, match="NoSuchOp"):
        run_caffe2("""
from caffe2.python import core, workspace
workspace.RunOperatorOnce(core.CreateOperator("NoSuchOp", [], ["Y"]))
""")

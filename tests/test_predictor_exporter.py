"""graphlab.predictor.predictor_exporter: export a prediction net and load it back."""

from __future__ import annotations

import numpy as np
import pytest

import graphlab.predictor.predictor_exporter as pe
from graphlab import brew, core, model_helper, workspace
from graphlab.blobdb import read_blobs
from graphlab.errors import GraphlabError


def _trained_model() -> model_helper.ModelHelper:
    model = model_helper.ModelHelper("deploy")
    hidden = brew.fc(model, "data", "fc1", dim_in=4, dim_out=5)
    hidden = brew.relu(model, hidden, hidden)
    brew.fc(model, hidden, "fc2", dim_in=5, dim_out=3)
    brew.softmax(model, "fc2", "softmax")
    workspace.SetRandomSeed(1)
    workspace.FeedBlob("data", np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
    workspace.RunNetOnce(model.param_init_net)
    workspace.RunNetOnce(model.net)
    return model


@pytest.mark.parametrize("db_type", ["minidb", "lmdb"])
def test_export_and_reload_predicts_the_same(tmp_path, db_type):
    model = _trained_model()
    want = workspace.FetchBlob("softmax")
    data = workspace.FetchBlob("data")
    meta = pe.PredictorExportMeta(predict_net=model.net.Proto(),
                                  parameters=[str(p) for p in model.params],
                                  inputs=["data"], outputs=["softmax"])
    path = str(tmp_path / f"model.{db_type}")
    pe.save_to_db(db_type, path, meta)
    stored = read_blobs(db_type, path)
    assert sorted(stored) == sorted([pe.META_NET_DEF, "fc1_w", "fc1_b", "fc2_w", "fc2_b"])

    workspace.ResetWorkspace()
    predict_net = pe.prepare_prediction_net(path, db_type)
    assert workspace.Blobs() == sorted([pe.META_NET_DEF, pe.PREDICTOR_DBREADER, "data",
                                        "fc1_b", "fc1_w", "fc2_b", "fc2_w", "softmax"])
    workspace.FeedBlob("data", data)
    workspace.RunNetOnce(predict_net)
    np.testing.assert_array_equal(workspace.FetchBlob("softmax"), want)
    workspace.RunNet(predict_net.Proto().name)  # created too
    np.testing.assert_array_equal(workspace.FetchBlob("softmax"), want)


def test_meta_net_def_layout(tmp_path):
    model = _trained_model()
    meta = pe.PredictorExportMeta(model.net, model.params, ["data"], ["softmax"],
                                  shapes={"data": (7, 4)}, name="m")
    meta_net_def = pe.get_meta_net_def(meta)
    assert [e.key for e in meta_net_def.nets] == [
        "PREDICT_INIT_NET_TYPE_m", "GLOBAL_INIT_NET_TYPE_m", "PREDICT_NET_TYPE_m"]
    assert pe.get_blobs(meta_net_def, "INPUTS_BLOB_TYPE_m") == ["data"]
    init = pe.get_net(meta_net_def, "PREDICT_INIT_NET_TYPE_m")
    assert [(op.type, op.output, op.args()["shape"]) for op in init.op] == [
        ("ConstantFill", ["data"], [7, 4]), ("ConstantFill", ["softmax"], [2, 3])]
    load = pe.get_net(meta_net_def, "GLOBAL_INIT_NET_TYPE_m")
    assert load.op[0].type == "Load" and load.op[0].input == [pe.PREDICTOR_DBREADER]
    predict = pe.get_net(meta_net_def, "PREDICT_NET_TYPE_m")
    assert predict.external_input == ["data", "fc1_w", "fc1_b", "fc2_w", "fc2_b"]
    assert predict.external_output == ["softmax"]
    assert [op.type for op in predict.op] == ["FC", "Relu", "FC", "Softmax"]


def test_meta_mistakes_are_named():
    net = core.Net("p")
    with pytest.raises(GraphlabError, match="'x' is listed twice"):
        pe.PredictorExportMeta(net, [], ["x", "x"], [])
    with pytest.raises(GraphlabError, match=r"\['w'\] are listed both as parameters and as "
                                            "inputs"):
        pe.PredictorExportMeta(net, ["w"], ["w"], [])
    meta = pe.PredictorExportMeta(net, ["w"], ["in"], ["out"])
    with pytest.raises(GraphlabError, match="'in' is not in the workspace.*shapes="):
        pe.get_meta_net_def(meta)
    with pytest.raises(GraphlabError, match="must be a core.Net or a NetDef"):
        pe.PredictorExportMeta("p", [], [], [])

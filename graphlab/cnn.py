"""``CNNModelHelper``: Caffe2's older model class, kept so ``from ... import cnn`` works.

Caffe2 2017 code (the seed imports ``cnn``) built models with
``cnn.CNNModelHelper(order="NCHW", name="...")`` and methods such as ``model.FC(...)``.
Later Caffe2 replaced it by :class:`~graphlab.model_helper.ModelHelper` plus ``brew``;
here it is a thin subclass: ``model.FC(blob_in, blob_out, dim_in, dim_out)`` is
``brew.fc(model, ...)``, and ``Relu``/``Sigmoid``/``Tanh``/``Softmax`` go through the
matching brew helpers. Every other registered op is forwarded to ``model.net`` as in
ModelHelper.
"""

from __future__ import annotations

from typing import Any

from . import brew, core
from .model_helper import ModelHelper

__all__ = ["CNNModelHelper"]


class CNNModelHelper(ModelHelper):
    """A :class:`ModelHelper` with Caffe2's old constructor and layer methods.

    Args:
        order: ``"NCHW"`` or ``"NHWC"``; stored as ``self.order`` (graphlab has no
            convolutions yet, so nothing reads it).
        name: model name (default ``"CNN"``).
        use_cudnn, cudnn_exhaustive_search, ws_nbytes_limit: GPU settings, accepted and
            stored for compatibility; they have no effect on NumPy.
        init_params: see :class:`ModelHelper`.

    Raises:
        ValueError: ``order`` is neither ``"NCHW"`` nor ``"NHWC"``.
    """

    def __init__(
        self,
        order: str = "NCHW",
        name: str | None = None,
        use_cudnn: bool = True,
        cudnn_exhaustive_search: bool = False,
        ws_nbytes_limit: int | None = None,
        init_params: bool = True,
        skip_sparse_optim: bool = False,
        param_model: Any = None,
    ) -> None:
        if order not in ("NCHW", "NHWC"):
            raise ValueError(f"Cannot understand the CNN storage order {order!r}; use "
                             "'NCHW' or 'NHWC'.")
        super().__init__(name="CNN" if name is None else name, init_params=init_params)
        self.order = order
        self.use_cudnn = use_cudnn
        self.cudnn_exhaustive_search = cudnn_exhaustive_search
        self.ws_nbytes_limit = ws_nbytes_limit

    def FC(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802 - Caffe2's name
        """``brew.fc(self, blob_in, blob_out, dim_in, dim_out, ...)``."""
        return brew.fc(self, *args, **kwargs)

    def Relu(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.relu(self, blob_in, blob_out)``."""
        return brew.relu(self, *args, **kwargs)

    def Sigmoid(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.sigmoid(self, blob_in, blob_out)``."""
        return brew.sigmoid(self, *args, **kwargs)

    def Tanh(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.tanh(self, blob_in, blob_out)``."""
        return brew.tanh(self, *args, **kwargs)

    def Softmax(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.softmax(self, blob_in, blob_out)``."""
        return brew.softmax(self, *args, **kwargs)

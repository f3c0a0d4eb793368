"""``CNNModelHelper``: Caffe2's older model class, kept so ``from ... import cnn`` works.

Caffe2 2017 code (the seed imports ``cnn``) built models with
``cnn.CNNModelHelper(order="NCHW", name="...")`` and methods such as ``model.FC(...)``.
Later Caffe2 replaced it by :class:`~graphlab.model_helper.ModelHelper` plus ``brew``;
here it is a thin subclass: ``model.FC(blob_in, blob_out, dim_in, dim_out)`` is
``brew.fc(model, ...)``, ``model.Conv(blob_in, blob_out, dim_in, dim_out, kernel)`` is
``brew.conv(model, ..., order=model.order)``, and so on for the layers of Caffe2's 2017
MNIST and CIFAR tutorials (``ConvTranspose``, ``MaxPool``, ``AveragePool``, ``SpatialBN``,
``LRN``, ``Dropout``, ``Accuracy``, ``Iter``, ``Relu``, ``Sigmoid``, ``Tanh``,
``Softmax``). Every other registered op is forwarded to ``model.net`` as in ModelHelper.
"""

from __future__ import annotations

from typing import Any

from . import brew, core
from .model_helper import ModelHelper

__all__ = ["CNNModelHelper"]


class CNNModelHelper(ModelHelper):
    """A :class:`ModelHelper` with Caffe2's old constructor and layer methods.

    Args:
        order: ``"NCHW"`` or ``"NHWC"``; stored as ``self.order`` and given to the
            convolution, pooling, SpatialBN and LRN layers (a call's own ``order`` wins).
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

    # ---- the vision layers: brew helpers with this model's order -------------------------

    def _ordered(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"order": self.order, **kwargs}

    def Conv(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.conv(self, blob_in, blob_out, dim_in, dim_out, kernel, order=self.order)``."""
        return brew.conv(self, *args, **self._ordered(kwargs))

    def ConvTranspose(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.conv_transpose(self, ..., order=self.order)``."""
        return brew.conv_transpose(self, *args, **self._ordered(kwargs))

    def MaxPool(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.max_pool(self, blob_in, blob_out, order=self.order, ...)``."""
        return brew.max_pool(self, *args, **self._ordered(kwargs))

    def AveragePool(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.average_pool(self, blob_in, blob_out, order=self.order, ...)``."""
        return brew.average_pool(self, *args, **self._ordered(kwargs))

    def SpatialBN(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.spatial_bn(self, blob_in, blob_out, dim_in, order=self.order, ...)``."""
        return brew.spatial_bn(self, *args, **self._ordered(kwargs))

    def LRN(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.lrn(self, blob_in, blob_out, order=self.order, ...)``."""
        return brew.lrn(self, *args, **self._ordered(kwargs))

    def Dropout(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.dropout(self, blob_in, blob_out, ratio=..., is_test=...)``."""
        return brew.dropout(self, *args, **kwargs)

    def Accuracy(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.accuracy(self, [predictions, labels], blob_out)``."""
        return brew.accuracy(self, *args, **kwargs)

    def Iter(self, *args: Any, **kwargs: Any) -> core.BlobReference:  # noqa: N802
        """``brew.iter(self, blob_out)``: an int64 counter filled in the init net."""
        return brew.iter(self, *args, **kwargs)

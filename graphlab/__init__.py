"""graphlab: how a deep-learning framework works from the inside, on NumPy.

A re-creation of Caffe2's define-then-run model for teaching: nets of named operators
(:mod:`graphlab.core`), a workspace of named blobs (:mod:`graphlab.workspace`), an
automatic gradient builder that appends the backward pass as visible operators, and a
net drawer. Caffe2 tutorial code runs with ``from caffe2.python import ...`` changed to
``from graphlab import ...``.
"""

from . import core, ops, workspace  # importing ops registers every operator, once
from .core import BlobReference, CreateOperator, DataType, Net
from .workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "BlobReference",
    "CreateOperator",
    "DataType",
    "Net",
    "Workspace",
    "core",
    "ops",
    "workspace",
]

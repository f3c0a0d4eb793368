"""Everything that exists only for speed: how ``CreateNet`` + ``RunNet`` run a net fast.

:mod:`graphlab.interpreter` defines what running a net means; this package does the same
thing faster and is held to leaving bit-identical blobs (``tests/test_contract.py``):

* :mod:`~graphlab.fast.plan`: ``CreateNet`` compiles a net once into a :class:`Plan`
  (schemas looked up, arguments parsed, kernels bound, op state made); trusted runs;
* :mod:`~graphlab.fast.codegen`: the plan as one generated Python function per net;
* :mod:`~graphlab.fast.compiled`: how an op offers a compiled form (``@compiles``),
  output buffers reused when nobody else can see them;
* :mod:`~graphlab.fast.ops`: the compiled forms of the ops on the seed's hot path;
* :mod:`~graphlab.fast.blobstore`: the workspace's blob table, which can hold *deferred*
  outputs (computed when first looked up).

A new op needs none of this: without a compiled form it runs its plain kernel, checked
on every run, in a created net too.
"""

from . import ops  # noqa: F401  (importing registers the compiled forms)
from .plan import Plan

__all__ = ["Plan"]

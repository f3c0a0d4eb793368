"""All of graphlab's operators, one module per family; importing registers them.

To add an operator, write it (forward kernel, gradient op(s), schema and doc) in the
module of its family; the registry, the net drawer, the docs and the generic op tests
pick it up from there.
"""

from . import db, fill, io, loss, math, nn, python, shape, train, vision  # noqa: F401

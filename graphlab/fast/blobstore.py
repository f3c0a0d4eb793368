"""The workspace's blob table: name → array, which can also hold *deferred* blobs.

A created net may skip an output that nothing in the net reads (Caffe2's FCGradient
always computes ``X_grad``, which costs as much as the rest of a step when ``X`` is
data). Skipping must stay invisible, so instead of a value the plan leaves a recipe —
the op's plain kernel, its inputs and arguments — and the blob is computed the first
time anybody looks it up. To every reader the table behaves like a plain dict that
holds the value:

* ``store[name]`` computes a deferred blob, keeps the value, and returns it;
* ``name in store``, ``len``, iteration, ``keys``, ``get``, ``items``, ``values`` see
  deferred blobs as present (``items``/``values`` compute them);
* writing a name (``store[name] = value``) makes the written value the current one;
  deleting or popping a name also forgets its recipe.

Storage: values live in ``store.raw`` and recipes in ``store.recipes``, two plain dicts
(the fastest tables Python has), which a compiled plan's generated code reads and writes
directly. Invariant: if ``name`` is a key of ``raw``, that value is current; else a recipe
for ``name``, if any, is current. So whoever defers a name drops its ``raw`` entry first
(:meth:`defer` does both), and a plan materialises the recipes of the blobs it reads
before it starts (:meth:`materialize`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, KeysView, MutableMapping
from typing import Any

__all__ = ["BlobStore"]

_MISSING = object()


class BlobStore(MutableMapping):  # type: ignore[type-arg]
    """``dict[str, np.ndarray]`` with deferred entries (see the module docstring)."""

    __slots__ = ("raw", "recipes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.raw: dict[str, Any] = dict(*args, **kwargs)
        # name -> (function, *arguments); the value is function(*arguments)
        self.recipes: dict[str, tuple[Any, ...]] = {}

    # ---- deferring --------------------------------------------------------------------
    def defer(self, name: str, compute: Callable[..., Any], *args: Any) -> None:
        """Make ``name`` deferred: ``compute(*args)`` gives its value when first looked up."""
        self.raw.pop(name, None)
        self.recipes[name] = (compute, *args)

    def is_deferred(self, name: str) -> bool:
        """True if ``name`` exists only as a recipe (not computed yet)."""
        return name in self.recipes and name not in self.raw

    def materialize(self, names: Iterable[str]) -> None:
        """Compute every deferred blob among ``names`` (missing names are skipped), so
        reading them from ``raw`` finds their values."""
        raw, deferred = self.raw, self.recipes
        for name in names:
            if name not in raw and name in deferred:
                self[name]

    def __getitem__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError:
            pass
        recipe = self.recipes.pop(name, None)
        if recipe is None:
            raise KeyError(name)
        value = recipe[0](*recipe[1:])
        self.raw[name] = value
        return value

    def __setitem__(self, name: str, value: Any) -> None:
        self.raw[name] = value  # a recipe left for ``name`` is now stale: ``raw`` wins

    def _live_recipes(self) -> list[str]:
        # recipes shadowed by a later write are stale: drop them (they hold arrays alive)
        live = []
        raw = self.raw
        for name in list(self.recipes):
            if name in raw:
                del self.recipes[name]
            else:
                live.append(name)
        return live

    # ---- the dict interface, deferred entries included ---------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self.raw or name in self.recipes

    def __iter__(self) -> Iterator[str]:
        extra = self._live_recipes()
        return iter([*self.raw, *extra])

    def __len__(self) -> int:
        return len(self.raw) + len(self._live_recipes())

    def keys(self) -> KeysView[str]:
        return KeysView(self)

    def get(self, name: str, default: Any = None) -> Any:
        if name in self:
            return self[name]
        return default

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(k, self[k]) for k in list(self)]

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self[k] for k in list(self)]

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name in self:
            return self[name]
        self.raw[name] = default
        return default

    def pop(self, name: str, default: Any = _MISSING) -> Any:
        if name in self:
            value = self[name]
            del self.raw[name]
            self.recipes.pop(name, None)
            return value
        if default is _MISSING:
            raise KeyError(name)
        return default

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.raw.pop(name, None)
        self.recipes.pop(name, None)

    def clear(self) -> None:
        self.raw.clear()
        self.recipes.clear()

    def copy(self) -> dict[str, Any]:
        """A plain dict with every blob computed."""
        return dict(self.items())

    def __copy__(self) -> BlobStore:
        # ``copy.copy``: a table of its own (same arrays, same recipes), as for a dict
        new = BlobStore(self.raw)
        new.recipes.update(self.recipes)
        return new

    def __repr__(self) -> str:
        return f"BlobStore({sorted(self)!r})"

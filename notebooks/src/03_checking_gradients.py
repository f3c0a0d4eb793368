# %% [markdown]
# # 5. Checking gradients
#
# The gradient builder appends gradient operators, and each gradient operator is code someone wrote.
# How do we know they are right? By comparing with **finite differences**: nudge one input value by a
# tiny `ε` up and down, rerun the forward net, and see how the loss moves:
#
# $$\frac{\partial L}{\partial x_i} \approx \frac{L(x + \varepsilon e_i) - L(x - \varepsilon e_i)}{2\varepsilon}$$
#
# graphlab's test suite does this for every operator; `graphlab.gradient_checker` lets you do it too.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import core, gradient_checker, registry, workspace

np.random.seed(0)
rng = np.random.default_rng(0)
print("operators with a gradient:", sum(s.differentiable for s in registry.all_schemas()))

# %% [markdown]
# ## One function, by hand
#
# For `L(x) = Σ tanh(x)²` the true gradient is `2·tanh(x)·(1 − tanh(x)²)`.

# %%
x = rng.normal(size=5)
numeric = gradient_checker.numeric_gradient(lambda v: float(np.sum(np.tanh(v) ** 2)), x)
exact = 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)
print("numeric:", numeric)
print("exact:  ", exact)
print("largest difference:", np.abs(numeric - exact).max())

# %% [markdown]
# ## How small should ε be?
#
# Too large and the difference quotient is a poor approximation (error ∝ ε²); too small and rounding
# error dominates (error ∝ 1/ε). In float64 the sweet spot is around 1e-6 (graphlab's default
# `eps`); in float32 rounding is about 10⁹ times worse, the best ε is near 1e-3 and even there the
# error is a million times larger. That is why gradient checks always run in float64.

# %%
epsilons = np.logspace(-12, 0, 40)
errors64, errors32 = [], []
for eps in epsilons:
    g64 = gradient_checker.numeric_gradient(lambda v: float(np.sum(np.tanh(v) ** 2)), x, eps=eps)
    errors64.append(np.abs(g64 - exact).max())
    f32 = lambda v: float(np.sum(np.tanh(v.astype(np.float32)) ** 2, dtype=np.float32))  # noqa: E731
    errors32.append(np.abs(gradient_checker.numeric_gradient(f32, x, eps=eps) - exact).max())
plt.figure(figsize=(6, 4))
plt.loglog(epsilons, errors64, "o-", label="float64")
plt.loglog(epsilons, errors32, "s-", label="float32")
plt.xlabel("ε")
plt.ylabel("max |numeric − exact|")
plt.title("finite-difference error against step size")
plt.grid(True, alpha=0.3)
plt.legend();

# %% [markdown]
# ## One operator
#
# `check_op_gradient` builds a one-operator net, asks `AddGradientOperators` for the gradient and
# compares it with finite differences. The result prints as a table.

# %%
result = gradient_checker.check_op_gradient(
    "FC", [rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)]
)
result

# %%
gradient_checker.check_op_gradient("Softmax", [rng.normal(size=(3, 5))])

# %% [markdown]
# ## A whole net
#
# The same works for a whole forward net: here a two-layer network with a loss.

# %%
net = core.Net("two_layers")
h = net.FC(["X", "W1", "b1"], "h")
h = h.Tanh([], "h_act")
y = h.FC(["W2", "b2"], "y")
dist = net.SquaredL2Distance([y, "target"], "dist")
loss = dist.AveragedLoss([], "loss")
inputs = {
    "X": rng.normal(size=(6, 3)), "W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4),
    "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=2), "target": rng.normal(size=(6, 2)),
}
check = gradient_checker.check_gradient(net, [loss], inputs, wrt=["W1", "b1", "W2", "b2", "X"])
check

# %% [markdown]
# ## What a wrong gradient looks like
#
# Let us register a deliberately broken operator: `BadSquare` computes `x²` but its gradient forgets
# the factor 2. The checker catches it immediately — every entry is off by exactly half.

# %%
from graphlab.registry import GradientContext, register_op


def _bad_square_grad(g: GradientContext):
    # WRONG on purpose: d(x²)/dx is 2·x, but we hand back x (via a Mul by X)
    return [g.op("Mul", [g.GO(0), g.I(0)], [g.GI(0)], copy_args=False)], [g.GI(0)]


if not registry.has_op("BadSquare"):
    @register_op("BadSquare", grad=_bad_square_grad)
    def bad_square(X: np.ndarray) -> np.ndarray:
        """Y = X² (with a broken gradient, for this notebook)."""
        return X * X


bad = gradient_checker.check_op_gradient("BadSquare", [rng.normal(size=(2, 3))])
print("ok?", bad.ok)
bad

# %% [markdown]
# ## Summary
#
# * Finite differences give a slow but trustworthy estimate of any gradient.
# * Check in float64, with ε around 1e-6 (the default); compare with a relative tolerance.
# * graphlab's tests run this check for every registered operator, so a new operator cannot land
#   with a wrong gradient.
#
# ## Exercises
#
# 1. Check the gradient of `Sigmoid` for inputs around ±30. What happens, and why?
# 2. Fix `BadSquare`'s gradient (hint: a `Scale` op with `scale=2.0`) and check again.
# 3. Check a net where one blob is used twice (e.g. `Mul([X, X])`). Which operator adds the two
#    gradient contributions?

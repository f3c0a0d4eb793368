# %% [markdown]
# # 3. Checking gradients
#
# > **You will learn** how finite differences estimate any gradient, why gradient checks run in
# > float64, and how to check one operator, a whole net, and a gradient that is wrong.
# >
# > **You need** notebook 2 (gradient operators) and the definition of a derivative.
# >
# > **Time:** about 20 minutes.
#
# Notebook 2 trusted `AddGradientOperators`: it promised that the operators it appends compute the
# gradient of the loss. But each gradient operator is code someone wrote. How do we know it is
# right? By comparing with **finite differences**: nudge one input value by a
# tiny `ε` up and down, rerun the forward net, and see how the loss moves:
#
# $$\frac{\partial L}{\partial x_i} \approx \frac{L(x + \varepsilon e_i) - L(x - \varepsilon e_i)}{2\varepsilon}$$
#
# graphlab's test suite does this for every operator; `graphlab.gradient_checker` lets you do it too.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import check, core, gradient_checker, registry, workspace

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
net_check = gradient_checker.check_gradient(net, [loss], inputs, wrt=["W1", "b1", "W2", "b2", "X"])
net_check

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
#   with a wrong gradient. That is what stands behind `AddGradientOperators`' promise.
#
# ## Exercises
#
# **1.** Check the gradient of `Sigmoid` for inputs around ±30. What happens, and why?
#
# <details><summary>Hint</summary>
#
# σ(30) is 1 to within 10⁻¹³. What are σ'(30) and the finite difference of a function that is flat to
# 13 digits?
# </details>

# %% [solution]
far_out = np.array([[30.0, -30.0, 29.5]])
sigmoid_check = gradient_checker.check_op_gradient("Sigmoid", [far_out])
print("ok?", sigmoid_check.ok)
sigmoid = 1 / (1 + np.exp(-far_out))
print("exact gradient σ(1-σ):", sigmoid * (1 - sigmoid))
sigmoid_check

# %% [markdown]
# The exact gradient is about 10⁻¹³: the sigmoid is *saturated*. The check still passes here because
# it compares with a relative tolerance plus a small absolute one, and both sides are tiny. In a
# network this is the real lesson: a saturated sigmoid passes almost no gradient back, so the layers
# before it barely learn.
#
# **2.** Register a correct `GoodSquare` operator: `Y = X²` with gradient `2·X·dY`. Check it with
# `check.op_gradient("GoodSquare", lambda x: x * x, [(2, 3)])`.
#
# <details><summary>Hint</summary>
#
# Copy `BadSquare`. The gradient maker can return two operators: a `Mul` of `GO(0)` and `I(0)` into a
# temporary blob, then a `Scale` with `scale=2.0` from it into `GI(0)`.
# </details>

# %% [solution]
def _good_square_grad(g: GradientContext):
    tmp = g.GI(0) + "_half"
    return [g.op("Mul", [g.GO(0), g.I(0)], [tmp], copy_args=False),
            g.op("Scale", [tmp], [g.GI(0)], copy_args=False, scale=2.0)], [g.GI(0)]


if not registry.has_op("GoodSquare"):
    @register_op("GoodSquare", grad=_good_square_grad)
    def good_square(X: np.ndarray) -> np.ndarray:
        """Y = X², elementwise."""
        return X * X


check.op_gradient("GoodSquare", lambda x: x * x, [(2, 3)])

# %% [markdown]
# **3.** Check a net where one blob is used twice, `Y = Mul([X, X])`. Which operator adds the two
# gradient contributions?
#
# <details><summary>Hint</summary>
#
# `MulGradient` writes one gradient for each input, but both inputs are `X`. Print the net after
# `AddGradientOperators`.
# </details>

# %% [solution]
twice = core.Net("x_used_twice")
loss = twice.Mul(["X", "X"], "Y").AveragedLoss([], "loss")
with_grads = twice.Clone("x_used_twice_with_gradients")
with_grads.AddGradientOperators([loss])
print(with_grads.summary())
gradient_checker.check_gradient(twice, [loss], {"X": rng.normal(size=(2, 3))}, wrt=["X"])

# %% [markdown]
# `MulGradient` sends back one contribution per input; the builder renames the second one (a blob
# whose name ends in `_autosplit_0`) and appends a `Sum` operator that adds the two into `X_grad`:
# when a blob is used several times, its gradient is the sum of what each use sends back.
#
# ---
#
# **Next →** [4. Learning-rate schedules](04_learning_rate_schedules.ipynb)

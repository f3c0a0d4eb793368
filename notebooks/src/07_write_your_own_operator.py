# %% [markdown]
# # 7. Write your own operator
#
# > **You will learn** how an operator is defined in graphlab (a kernel, a gradient maker and a
# > gradient kernel), what the names `I`, `O`, `GO` and `GI` in a gradient maker mean, how to check a
# > new operator's gradient, and how to train with it.
# >
# > **You need** notebooks 2 and 3 (gradient operators, gradient checking) and the chain rule.
# >
# > **Time:** about 30 minutes.
#
# Every operator in graphlab is a small Python function registered under a name. We will add
# **Swish**, an activation used in modern networks,
#
# $$y = x \cdot \sigma(x), \qquad \sigma(x) = \frac{1}{1 + e^{-x}},$$
#
# with its gradient, check it, and train a network with it.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import (
    brew,
    check,
    core,
    gradient_checker,
    model_helper,
    optimizer,
    registry,
    training,
    visualize,
    workspace,
)
from graphlab.registry import GradientContext, register_op

np.random.seed(0)
workspace.ResetWorkspace()
print("operators registered so far:", len(registry.op_names()))

# %% [markdown]
# ## The forward kernel
#
# A kernel is a plain function of NumPy arrays. `register_op("MySwish")` reads everything else from
# it: its positional parameters are the operator's inputs (here one, `X`), keyword-only parameters
# would be its arguments, and its docstring becomes the operator's documentation.

# %%
def _sigmoid(x: np.ndarray) -> np.ndarray:
    # the same as 1 / (1 + exp(-x)), but exp(-x) overflows for x below about -88 in float32
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def my_swish(X: np.ndarray) -> np.ndarray:
    """Swish, elementwise: ``Y = X · sigmoid(X)``. X: any shape → Y: same shape and dtype."""
    return X * _sigmoid(X)


x = np.linspace(-5, 5, 201)
plt.figure(figsize=(5, 3.2))
plt.plot(x, my_swish(x), label="swish  x·σ(x)")
plt.plot(x, np.maximum(x, 0), "--", label="relu  max(0, x)")
plt.xlabel("x")
plt.ylabel("y")
plt.title("Swish is a smooth Relu")
plt.grid(True, alpha=0.3)
plt.legend();

# %% [markdown]
# ## Its gradient, in two parts
#
# By the product rule,
#
# $$\frac{dy}{dx} = \sigma(x) + x\,\sigma(x)\,(1 - \sigma(x)) = y + \sigma(x)\,(1 - y).$$
#
# The backward pass needs $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\cdot
# \frac{dy}{dx}$. In Caffe2 (and here) that is computed by a **gradient operator**, an ordinary
# operator with its own kernel, which we call `MySwishGradient`. It reads `X`, `Y` and `dY` and writes
# `dX`:

# %%
def my_swish_gradient(X: np.ndarray, Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · (Y + sigmoid(X)·(1 − Y))``; X, Y, dY and dX all have X's shape."""
    return dY * (Y + _sigmoid(X) * (1.0 - Y))


# %% [markdown]
# The second part is the **gradient maker**: a function that, given the forward operator, says which
# gradient operators to append. It works with names, not arrays, through a `GradientContext` `g`:
#
# | name | means | for our op |
# | --- | --- | --- |
# | `g.I(i)` | the forward op's input `i` | `X` |
# | `g.O(i)` | its output `i` | `Y` |
# | `g.GO(i)` | the gradient of output `i`, which the builder has already made | `Y_grad` |
# | `g.GI(i)` | the name for the gradient of input `i` | `X_grad` |
#
# It returns the list of gradient operators and, for each input, the blob that holds its gradient
# (or `None` if that input gets none). `AddGradientOperators` calls it while walking the net backwards.

# %%
def _my_swish_grad(g: GradientContext):
    op = g.op("MySwishGradient", [g.I(0), g.O(0), g.GO(0)], [g.GI(0)])
    return [op], [g.GI(0)]


if not registry.has_op("MySwish"):  # registering twice is an error; this cell may run again
    register_op("MySwish", grad=_my_swish_grad)(my_swish)
    register_op("MySwishGradient")(my_swish_gradient)
print(registry.get_schema("MySwish").doc)

# %% [markdown]
# The operator now exists like any built-in one: a net can call it, and the gradient builder knows
# what to append.

# %%
net = core.Net("swish_demo")
loss = net.MySwish(["X"], "Y").AveragedLoss([], "loss")
net.AddGradientOperators([loss])
print(net.summary())

# %% [markdown]
# ## Is the gradient right?
#
# The gradient checker of notebook 3 compares it with finite differences, in float64:

# %%
gradient_checker.check_op_gradient("MySwish", [np.random.default_rng(0).normal(size=(3, 4))])

# %% [markdown]
# `check.op_gradient` does the same and also compares the forward values with a formula you give it:

# %%
check.op_gradient("MySwish", lambda v: v / (1 + np.exp(-v)), [(4, 5)])

# %% [markdown]
# ## Training with it
#
# The spiral classifier of notebook 5 with `MySwish` in place of `Relu`. `brew` has no helper for our
# operator, but a `ModelHelper`'s `net` has every registered operator as a method.

# %%
def spirals(n=200, noise=0.2, seed=0):
    r = np.random.default_rng(seed)
    t = np.sqrt(r.uniform(0, 1, n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 3
    pts = np.concatenate([arm, -arm]) + r.normal(0, noise, (2 * n, 2))
    return pts.astype(np.float32), np.repeat([0, 1], n).astype(np.int32)


points, labels = spirals()
workspace.ResetWorkspace()
workspace.SetRandomSeed(0)
model = model_helper.ModelHelper(name="swish_classifier")
h = model.net.MySwish(brew.fc(model, "data", "fc1", dim_in=2, dim_out=32), "h1")
h = model.net.MySwish(brew.fc(model, h, "fc2", dim_in=32, dim_out=32), "h2")
scores = brew.fc(model, h, "scores", dim_in=32, dim_out=2)
probs, xent = model.SoftmaxWithLoss([scores, "label"], ["probs", "xent"])
model.Accuracy([probs, "label"], "accuracy")
model.AddGradientOperators([xent])
optimizer.build_adam(model, base_learning_rate=0.02)
workspace.FeedBlob("data", points)
workspace.FeedBlob("label", labels)
workspace.RunNetOnce(model.param_init_net)
workspace.CreateNet(model.net)
history = training.train(model.net, 600, record=["xent", "accuracy"], progress=False)
print(f"accuracy after 600 steps: {history['accuracy'][-1]:.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
visualize.plot_loss(history["xent"], ax=ax1, log=True, label="cross-entropy")
ax1.set(ylabel="cross-entropy (log scale)", title="training with MySwish")
visualize.plot_decision_boundary(model.net, points, labels, ax=ax2,
                                 input_blob="data", output_blob="scores")
ax2.set_title("decision boundary: smooth, because Swish is")
plt.tight_layout()

# %% [markdown]
# ## Summary
#
# * An operator is a kernel (arrays in, arrays out) registered with `register_op`; its inputs and
#   arguments are read from the function's signature, its documentation from the docstring.
# * Its gradient is a second operator, and a gradient maker says how to wire it: `I`, `O`, `GO`, `GI`.
# * Check every new gradient with finite differences before you train with it.
# * graphlab's own operators are written exactly like this, one family per file in `graphlab/ops/`.
#
# ## Exercises
#
# **1.** Write a `MyHuber` loss operator: for a residual `R` (any shape) and an argument `delta`
# (default 1.0),
#
# $$y = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\ \delta\,(|r| - \tfrac12\delta) & |r| > \delta
# \end{cases}$$
#
# elementwise, with a `MyHuberGradient` operator and a gradient maker. Check it with
# `check.op_gradient("MyHuber", reference, [(4, 5)], delta=1.0)`, where `reference` is your NumPy
# formula.
#
# <details><summary>Hint</summary>
#
# An argument is a keyword-only parameter of the kernel: `def my_huber(R, *, delta: float = 1.0)`.
# The derivative is `r` inside the band and `delta·sign(r)` outside: `np.clip(r, -delta, delta)`.
# A gradient op copies the forward op's arguments, so `MyHuberGradient` gets `delta` too.
# </details>

# %% [solution]
def my_huber(R: np.ndarray, *, delta: float = 1.0) -> np.ndarray:
    """Huber loss, elementwise: ½r² inside |r| ≤ delta, delta·(|r| − ½delta) outside."""
    a = np.abs(R)
    return np.where(a <= delta, 0.5 * R * R, delta * (a - 0.5 * delta)).astype(R.dtype)


def my_huber_gradient(R: np.ndarray, dY: np.ndarray, *, delta: float = 1.0) -> np.ndarray:
    """``dR = dY · clip(R, −delta, delta)``."""
    return (dY * np.clip(R, -delta, delta)).astype(R.dtype)


def _my_huber_grad(g: GradientContext):
    return [g.op("MyHuberGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


if not registry.has_op("MyHuber"):
    register_op("MyHuber", grad=_my_huber_grad)(my_huber)
    register_op("MyHuberGradient")(my_huber_gradient)


def huber_reference(r, delta=1.0):
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


check.op_gradient("MyHuber", huber_reference, [(4, 5)], delta=1.0)

# %% [markdown]
# ---
#
# **Next →** [8. Under the hood](08_under_the_hood.ipynb) (optional): what `RunNet` does inside.

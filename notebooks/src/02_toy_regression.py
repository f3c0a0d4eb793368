# %% [markdown]
# # 2. A toy regression, step by step
#
# > **You will learn** why training uses two nets, the maths of a linear model and its loss, what
# > each gradient operator computes (and how to check it against NumPy), how stochastic gradient
# > descent is written as operators, and how to read loss and learning-rate curves.
# >
# > **You need** notebook 1 (blobs, operators, nets), and derivatives of simple functions.
# >
# > **Time:** about 40 minutes.
#
# We fit a line `y = w·x + b` with two inputs, where the true parameters are `w = [2.0, 1.5]` and
# `b = 0.5`. Everything — making data, computing the loss, the gradients and the update — is done by
# operators in nets. This is Caffe2's classic "toy regression" tutorial, which the study note this
# project started from worked through; its code runs here with only the import line changed.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import check, core, net_drawer, visualize, workspace

np.random.seed(0)  # graphlab's random operators draw their seeds from NumPy
workspace.ResetWorkspace()
print("ready: an empty workspace", workspace.Blobs())

# %% [markdown]
# ## The seed's first question: why two nets?
#
# The study note starts with a sentence and a question:
#
# > 在训练网络的时候，需要两个net，一个用来模型变量的参数的初始化，另一个net用于训练网络。为什么要这样呢？
# >
# > *"Training needs two nets: one to initialise the model's parameters, another to train the
# > network. Why is that?"*
#
# Caffe2's tutorial answers in one sentence: the init net's operators do not need to run more than
# once for the whole training. We will build both nets, and then *see* what goes wrong with one.
#
# ## The init net
#
# It fills the ground truth `W_gt`, `B_gt`, the constant `ONE`, the iteration counter `ITER`, and the
# parameters we will learn: `W` uniformly in [-1, 1) and `B` as zero.

# %%
init_net = core.Net("init")
W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
W = init_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
B = init_net.ConstantFill([], "B", shape=[1], value=0.0)
print("Created init net.")
init_net

# %% [markdown]
# ## The forward pass and its maths
#
# Each step draws a batch of $N = 64$ points $X$ and makes noisy targets from the true parameters:
#
# $$Y_{\text{noise}} = X W_{gt}^\top + b_{gt} + \varepsilon, \qquad \varepsilon \sim \mathcal N(0, 1).$$
#
# The model's prediction is one `FC` (fully connected) operator, with these shapes:
#
# $$\hat Y = X W^\top + b, \qquad X \in \mathbb R^{64\times 2},\; W \in \mathbb R^{1\times 2},\;
#   b \in \mathbb R^{1},\; \hat Y \in \mathbb R^{64\times 1}.$$
#
# The loss is half the squared distance per row (`SquaredL2Distance`, one number per row), averaged
# over the batch (`AveragedLoss`):
#
# $$d_i = \tfrac12 \lVert \hat y_i - y_i \rVert^2, \qquad L = \frac1N \sum_{i=1}^{N} d_i.$$
#
# `StopGradient` marks `Y_noise` as data: no gradient should flow back into how the data was made.
# The cell defines a function that builds the forward net from scratch, so that the later cells (and
# this one, run again) never add operators to a net twice.

# %%
def build_forward():
    """A new train net with the forward pass; returns the net and its loss blob."""
    net = core.Net("train")
    X = net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
    Y_gt = X.FC([W_gt, B_gt], "Y_gt")
    noise = net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
    Y_noise = Y_gt.Add(noise, "Y_noise")
    Y_noise = Y_noise.StopGradient([], "Y_noise")
    Y_pred = X.FC([W, B], "Y_pred")
    dist = net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    return net, loss


train_net, loss = build_forward()
n_forward = len(train_net.Proto().op)  # where the forward part ends
net_drawer.show(train_net)

# %% [markdown]
# Operators are the coloured boxes, numbered in the order they were added (`op#i`), top to bottom;
# blobs are the rounded boxes, and arrows show which blobs each operator reads and writes. The
# legend says what the blob styles mean: `X` and `noise` are data the net makes each step, `W_gt`
# and `B_gt` the ground truth. `W` and `B` are drawn as inputs too: nothing in this net changes
# them yet.
#
# `StopGradient` writes `Y_noise` in place, so the drawing shows two `Y_noise` nodes, `Y_noise v0`
# and `Y_noise v1`: the blob before and after that operator. Every in-place write makes a new
# *version* of a blob.
#
# (The tutorial drew this with `net_drawer.GetPydotGraph(train_net.Proto().op, "train",
# rankdir="LR")`, which still works and gives Caffe2's look: one long row, too wide to read once a
# notebook shrinks it to its width. `net_drawer.show` draws the same net to be read where it is
# shown.)

# %% [markdown]
# ## Gradients are just more operators
#
# `AddGradientOperators([loss])` walks the net backwards and *appends* the operators that compute
# the gradient of `loss` with respect to every blob that influences it. Nothing magic happens at
# run time: the backward pass is part of the net, and you can print and draw it.

# %%
def build_with_gradients():
    """The forward net plus its backward pass; returns the net and the gradient map."""
    net, loss = build_forward()
    return net, net.AddGradientOperators([loss])


train_net, gradient_map = build_with_gradients()
n_gradients = len(train_net.Proto().op)
for blob, grad in gradient_map.items():
    print(f"{blob:>8} -> {grad}")
net_drawer.show(train_net, since=n_forward)  # outline what AddGradientOperators added

# %% [markdown]
# Four operators were appended. Reading them backwards from the loss, each applies one rule of
# calculus (the chain rule, one operator at a time):
#
# | operator | computes | shapes |
# | --- | --- | --- |
# | `ConstantFill` → `loss_autogen_grad` | the seed $\partial L/\partial L = 1$ | [] |
# | `AveragedLossGradient` → `dist_grad` | $\partial L/\partial d_i = \frac1N$ | [64] |
# | `SquaredL2DistanceGradient` → `Y_noise_grad`, `Y_pred_grad` | $\partial L/\partial \hat y_i = \frac1N(\hat y_i - y_i)$, and its negative for $y_i$ | [64, 1] each |
# | `FCGradient` → `W_grad`, `B_grad`, `X_grad` | $\nabla W = \nabla\hat Y^\top X$, $\nabla b = \sum_i \nabla\hat y_i$, $\nabla X = \nabla\hat Y\, W$ | [1, 2], [1], [64, 2] |
#
# `StopGradient` stops the flow *beyond* it: `SquaredL2DistanceGradient` still writes `Y_noise_grad`
# (it always computes the gradients of both its inputs), but `StopGradient` has no gradient operator,
# so nothing reaches `Y_gt`, `noise`, `W_gt` or `B_gt`. `X` gets `X_grad` from `FCGradient`, which
# nothing uses.
#
# Let us check those formulas: run the init net and the net once, fetch the blobs, and compute the
# same gradients with NumPy.

# %%
workspace.RunNetOnce(init_net)
workspace.RunNetOnce(train_net)
X_, Y_noise_, Y_pred_, W_ = (workspace.FetchBlob(n) for n in ["X", "Y_noise", "Y_pred", "W"])
N = X_.shape[0]
d_dist = np.full(N, 1.0 / N)                       # AveragedLossGradient
d_pred = d_dist[:, None] * (Y_pred_ - Y_noise_)    # SquaredL2DistanceGradient
d_W = d_pred.T @ X_                                # FCGradient
d_B = d_pred.sum(axis=0)
for name, mine in [("dist_grad", d_dist), ("Y_pred_grad", d_pred), ("W_grad", d_W),
                   ("B_grad", d_B)]:
    theirs = workspace.FetchBlob(name)
    print(f"{name:>12} {str(theirs.shape):>8}  matches NumPy: {np.allclose(theirs, mine, rtol=1e-5)}")

# %% [markdown]
# ## The update: stochastic gradient descent as operators
#
# Three more operators make the training step:
#
# * `Iter` adds one to the counter: $\text{ITER} \leftarrow \text{ITER} + 1$;
# * `LearningRate` computes this step's rate with the `step` policy:
#   $\text{lr} = \text{base\_lr} \cdot \gamma^{\lfloor \text{iter} / \text{stepsize} \rfloor}$;
# * `WeightedSum` updates each parameter in place: $W \leftarrow 1\cdot W + \text{lr}\cdot\nabla W$.
#
# In Caffe2 `base_lr` is **negative**, because `WeightedSum` *adds* `lr · grad` and we want to go
# down the gradient.

# %%
def build_train_net():
    """The whole training step: forward, backward and the SGD update."""
    net, grads = build_with_gradients()
    net.Iter(ITER, ITER)
    LR = net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    net.WeightedSum([W, ONE, grads[W], LR], W)
    net.WeightedSum([B, ONE, grads[B], LR], B)
    return net


train_net = build_train_net()
print(train_net.summary())

# %%
net_drawer.show(train_net, since=n_gradients)

# %% [markdown]
# Now `W` and `B` are drawn as *parameters* (yellow): an update operator rewrites each of them from
# its own gradient, `W v0` → `W v1`. `ITER`, `LR` and `ONE` are the optimizer's state (dashed).
#
# Here is the whole story in one view, the way the net grew: the init net, then the forward pass,
# then the gradient operators, then the update. Each panel outlines what that step added.

# %%
net_drawer.show_growth(train_net, init_net=init_net)

# %% [markdown]
# > **An aside: the seed only trained in Caffe2 by luck.** The seed fills `ITER` as **int32**. In
# > real Caffe2 (version 1.4), `Iter` wants an int64 counter: it re-allocates the blob as int64
# > *without copying the value*, so the counter starts from whatever the memory held. In some
# > processes that is about 1.4·10¹⁴; the `step` policy then gives $0.9^{7\cdot 10^{12}} \approx 0$,
# > the learning rate is −0.0 and the model never moves. Whether the seed trained depended on the
# > memory layout of the process. graphlab's `Iter` keeps an int32 counter's value and counts 1, 2, 3,
# > as the tutorial shows.

# %% [markdown]
# ## Running it
#
# Run the init net once, create the train net, and look at the parameters before training.

# %%
workspace.RunNetOnce(init_net)
workspace.CreateNet(train_net)
print("Before training, W is:", workspace.FetchBlob("W"))
print("Before training, B is:", workspace.FetchBlob("B"))

# %% [markdown]
# Now 100 training steps. We fetch the loss and the learning rate after each step to plot them.

# %%
workspace.RunNetOnce(init_net)  # start from fresh parameters, even when this cell runs again
losses, rates = [], []
for i in range(100):
    workspace.RunNet(train_net.Proto().name)
    losses.append(float(workspace.FetchBlob("loss")))
    rates.append(float(workspace.FetchBlob("LR")))
print("After training, W is:", workspace.FetchBlob("W"))
print("After training, B is:", workspace.FetchBlob("B"))
print("Ground truth W is:   ", workspace.FetchBlob("W_gt"))
print("Ground truth B is:   ", workspace.FetchBlob("B_gt"))

# %% [markdown]
# The picture can show what is in the workspace: with `workspace=True` every blob gets its dtype and
# shape, and small blobs (up to 4 numbers) their values, with their gradient beside them. These are
# the values after the 100th step: `W v1` is the updated `W`, computed from `W v0`, `LR` and `W_grad`.

# %%
net_drawer.show(train_net, workspace=True)

# %% [markdown]
# The loss falls quickly, then jitters around a floor: each step sees a new random batch with new
# noise, so the loss never reaches zero. Its floor is about 0.5 — half the noise variance — because
# even the true line misses each point by the noise. The light line is the raw loss, the solid one a
# short moving average. The learning rate drops by 10% every 20 iterations (plotted as the positive
# step size `-LR`).

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
visualize.plot_loss(losses, ax=ax1, smooth=0.6)
ax1.axhline(0.5, color="k", linestyle=":", label="noise floor (0.5)")
ax1.set(ylabel="loss (mean of ½‖ŷ − y‖²)", title="training loss")
ax1.legend()
ax2.plot(range(1, 101), -np.array(rates))
ax2.set(xlabel="iteration", ylabel="-LR (step size)", title="learning rate, policy 'step'")
ax2.grid(True)
plt.tight_layout()

# %% [markdown]
# ## Answering the first question by experiment
#
# **What if there were only one net?** Move the filler of `W` into the training net: every step
# would first re-draw `W` at random, then take one gradient step from there. The model can never
# learn, because each step throws the previous step's work away.

# %%
def train_and_record(net, steps=60):
    """Run the init net, create ``net``, train; return W after each step."""
    workspace.RunNetOnce(init_net)
    workspace.CreateNet(net, overwrite=True)
    path = []
    for _ in range(steps):
        workspace.RunNet(net.Name())
        path.append(workspace.FetchBlob("W")[0].copy())
    return np.array(path)


one_net = core.Net("one_net")
one_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)  # the init op, now in every step
for op in build_train_net().Proto().op:
    one_net.Proto().op.append(op)
two_nets = train_and_record(build_train_net())
only_one = train_and_record(one_net)

fig, ax = plt.subplots(figsize=(7, 3.5))
steps = np.arange(1, len(two_nets) + 1)
ax.plot(steps, two_nets[:, 0], label="init net + train net")
ax.plot(steps, only_one[:, 0], label="filler inside the train net")
ax.axhline(2.0, color="k", linestyle="--", label="true w₀ = 2.0")
ax.set(xlabel="iteration", ylabel="w₀ after the step", title="why the filler must run only once")
ax.grid(True, alpha=0.3)
ax.legend();

# %% [markdown]
# So the init net exists because some operators must run **once**, before training, and never again.
# There are two other ways to get "once", and one more reason for two nets:
#
# * **`run_once=1`** on a filler in a created net fills on the first run only (notebook 1). Early
#   Caffe2 had that default, which is why the seed writes `run_once=0` on the fillers that *should*
#   run every step. With `run_once=1`, the one-net version trains:

# %%
one_net_once = core.Net("one_net_once")
one_net_once.UniformFill([], "W", shape=[1, 2], min=-1., max=1., run_once=1)
for op in build_train_net().Proto().op:
    one_net_once.Proto().op.append(op)
path = train_and_record(one_net_once)
print("w after 60 steps, filler with run_once=1:", path[-1], " (true: [2.0, 1.5])")

# %% [markdown]
# * **Re-running the init net is a reset.** Running `init_net` again gives new random `W` and sets
#   `ITER` back to 0, so the learning-rate schedule starts over. The next section uses that.
# * **Saving and deploying.** Caffe2 shipped a trained model as exactly two nets: an *init net* whose
#   fillers hold the trained values (`GivenTensorFill`), and a *predict net* with only the forward
#   operators. Loading a model means running its init net once; predicting means running the
#   predict net on new data, as often as needed:

# %%
trained_W, trained_B = workspace.FetchBlob("W"), workspace.FetchBlob("B")
deploy_init = core.Net("deploy_init")
deploy_init.GivenTensorFill([], "W", shape=list(trained_W.shape), values=trained_W.ravel().tolist())
deploy_init.GivenTensorFill([], "B", shape=list(trained_B.shape), values=trained_B.ravel().tolist())
predict_net = core.Net("predict")
predict_net.FC(["data", "W", "B"], "prediction")

workspace.SwitchWorkspace("deployment", True)  # a fresh workspace: nothing from training
workspace.RunNetOnce(deploy_init)
workspace.FeedBlob("data", np.array([[1.0, 1.0], [0.0, 2.0]], dtype=np.float32))
workspace.RunNetOnce(predict_net)
print("predictions:", workspace.FetchBlob("prediction").ravel(), " (true line: [4.0, 3.5])")
workspace.SwitchWorkspace("default")
print(predict_net.Proto())

# %% [markdown]
# ## Watching the parameters move
#
# Running the init net again resets `W`, `B` and `ITER` (so the learning-rate schedule restarts).
# Then we record `W` and `B` after every step and draw their path.

# %%
workspace.RunNetOnce(init_net)
workspace.CreateNet(train_net)
w_history, b_history = [], []
for i in range(50):
    workspace.RunNet(train_net.Proto().name)
    w_history.append(workspace.FetchBlob("W"))
    b_history.append(workspace.FetchBlob("B"))
w_history = np.concatenate(w_history)
b_history = np.concatenate(b_history)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(w_history[:, 0], w_history[:, 1], "r.-")
ax1.plot([2.0], [1.5], "k*", markersize=12, label="ground truth")
ax1.set(xlabel="w₀", ylabel="w₁", title="path of W over 50 steps")
ax1.axis("equal")
ax1.grid(True)
ax1.legend()
ax2.plot(range(1, 51), b_history, "r")
ax2.axhline(0.5, color="k", linestyle="--", label="ground truth")
ax2.set(xlabel="iteration", ylabel="b", title="B per iteration")
ax2.grid(True)
ax2.legend()
plt.tight_layout()

# %% [markdown]
# Stochastic gradient descent does not walk straight to the answer: every batch has different noise,
# so each step points in a slightly different direction. Run the cell again to start from another
# random `W`.

# %% [markdown]
# ## The fit against the data
#
# Finally, the last batch: each point is one row, its noisy target against the model's prediction.
# A perfect model would put every point on the dashed diagonal; the noise (std 1) scatters them
# around it.

# %%
Y_noise_batch = workspace.FetchBlob("Y_noise")
Y_pred_batch = workspace.FetchBlob("Y_pred")
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(Y_noise_batch, Y_pred_batch, s=12)
both = np.concatenate([Y_noise_batch, Y_pred_batch])
lims = [both.min(), both.max()]
ax.plot(lims, lims, "k--", label="perfect prediction")
ax.set(xlabel="target (Y_noise)", ylabel="prediction (Y_pred)", title="last batch")
ax.legend()
ax.grid(True)

# %% [markdown]
# ## Summary
#
# * An init net creates parameters once; a train net is run once per step. A filler inside the train
#   net would undo every step; `run_once=1` is the other way to run an op once.
# * `FC` computes $XW^\top + b$; the loss is $\frac1N\sum \frac12\lVert\hat y - y\rVert^2$.
# * `AddGradientOperators` appends the backward pass as ordinary operators, one calculus rule each;
#   `gradient_map` says where each gradient lives, and NumPy agrees with every one.
# * The optimizer is also operators: `Iter`, `LearningRate` (negative `base_lr`) and `WeightedSum`.
# * A trained model ships as an init net (the values) and a predict net (the forward pass).
#
# ## Exercises
#
# **1.** Without its `StopGradient`, which blobs of the forward net get a gradient? List them all,
# then check with `check.gradients_without_stop_gradient([...])`.
#
# <details><summary>Hint</summary>
#
# Build `build_forward()`'s net without the `StopGradient` line, call `AddGradientOperators([loss])`
# and look at the keys of the map it returns. Then think: which of those make sense to have a
# gradient for?
# </details>

# %% [solution]
no_stop = core.Net("no_stop")
X = no_stop.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0)
noise = no_stop.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0)
Y_noise = X.FC([W_gt, B_gt], "Y_gt").Add(noise, "Y_noise")
dist = no_stop.SquaredL2Distance([Y_noise, X.FC([W, B], "Y_pred")], "dist")
answer = [str(b) for b in no_stop.AddGradientOperators([dist.AveragedLoss([], "loss")])]
print(answer)
check.gradients_without_stop_gradient(answer)

# %% [markdown]
# Now `W_gt`, `B_gt` and `noise` get gradients too. Nothing updates them, so training is unchanged,
# but every step does work for nothing: that is what `StopGradient` saves.
#
# **2.** What is the learning rate at iteration 100 for the seed's schedule (`base_lr=-0.1`,
# `policy="step"`, `stepsize=20`, `gamma=0.9`)? Work it out by hand, then check with
# `check.learning_rate(my_value, 100, -0.1, "step", stepsize=20, gamma=0.9)`.
#
# <details><summary>Hint</summary>
#
# $\lfloor 100/20 \rfloor = 5$ steps have happened. Keep the sign.
# </details>

# %% [solution]
my_value = -0.1 * 0.9 ** (100 // 20)
check.learning_rate(my_value, 100, -0.1, "step", stepsize=20, gamma=0.9)

# %% [markdown]
# **3.** Train with `stepsize=5` and `gamma=0.5` instead. How do the loss curve and the final `W`
# change, and why?
#
# <details><summary>Hint</summary>
#
# After 30 iterations the rate has halved six times. Compare how far `W` is from `[2.0, 1.5]`.
# </details>

# %% [solution]
fast_decay = core.Net("fast_decay")
for op in build_with_gradients()[0].Proto().op:
    fast_decay.Proto().op.append(op)
fast_decay.Iter(ITER, ITER)
LR_fast = fast_decay.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=5, gamma=0.5)
fast_decay.WeightedSum([W, ONE, "W_grad", LR_fast], W)
fast_decay.WeightedSum([B, ONE, "B_grad", LR_fast], B)
workspace.RunNetOnce(init_net)
workspace.CreateNet(fast_decay, overwrite=True)
fast_losses = []
for _ in range(100):
    workspace.RunNet(fast_decay.Name())
    fast_losses.append(float(workspace.FetchBlob("loss")))
print("W after 100 steps:", workspace.FetchBlob("W"), "(true [2.0, 1.5])")
fig, ax = plt.subplots(figsize=(6, 3.5))
visualize.plot_loss(losses, ax=ax, smooth=0.6, label="stepsize 20, γ 0.9")
visualize.plot_loss(fast_losses, ax=ax, smooth=0.6, label="stepsize 5, γ 0.5", log=True)
ax.set(ylabel="loss")
ax.legend();

# %% [markdown]
# The rate shrinks to almost nothing before `W` has arrived, so the loss stays above the noise floor
# and `W` stops short: a schedule that decays too fast freezes training early.
#
# ---
#
# **Next →** [3. Checking gradients](03_checking_gradients.ipynb)

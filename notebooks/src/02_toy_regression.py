# %% [markdown]
# # 2. A toy regression, step by step
#
# We fit a line `y = w·x + b` with two inputs, where the true parameters are `w = [2.0, 1.5]` and
# `b = 0.5`. Everything — making data, computing the loss, the gradients and the update — is done by
# operators in nets. This is Caffe2's classic "toy regression" tutorial; its code runs here with only
# the import line changed.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import core, net_drawer, visualize, workspace

np.random.seed(0)  # graphlab's random operators draw their seeds from NumPy
workspace.ResetWorkspace()
print("ready: an empty workspace", workspace.Blobs())

# %% [markdown]
# ## Why two nets?
#
# Training needs two kinds of work:
#
# * **initialisation** — create the parameters and constants, *once*;
# * **a training step** — make a batch, compute the loss and gradients, update the parameters,
#   *many times*.
#
# So we build two nets: an **init net**, run once with `RunNetOnce`, and a **train net**, created once
# with `CreateNet` and run again and again with `RunNet`. The init net's operators do not need to run
# more than once for the whole training.

# %% [markdown]
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
# ## The train net, part 1: the forward pass
#
# Each step samples a batch `X` (64 points in 2-D), computes the noisy targets `Y_noise` from the true
# parameters, the prediction `Y_pred` from the learned ones, and the loss: half the squared distance
# per row (`SquaredL2Distance`) averaged over the batch (`AveragedLoss`).
#
# `StopGradient` marks `Y_noise` as data: no gradient should flow back into how the data was made.

# %%
train_net = core.Net("train")
X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
Y_gt = X.FC([W_gt, B_gt], "Y_gt")
noise = train_net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
Y_noise = Y_gt.Add(noise, "Y_noise")
Y_noise = Y_noise.StopGradient([], "Y_noise")
Y_pred = X.FC([W, B], "Y_pred")
dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
loss = dist.AveragedLoss([], ["loss"])

n_forward = len(train_net.Proto().op)  # remember where the forward part ends
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
# ## The train net, part 2: gradients are just more operators
#
# `AddGradientOperators([loss])` walks the net backwards and *appends* the operators that compute
# the gradient of `loss` with respect to every blob that influences it. Nothing magic happens at
# run time: the backward pass is part of the net, and you can print and draw it.

# %%
gradient_map = train_net.AddGradientOperators([loss])
n_gradients = len(train_net.Proto().op)
net_drawer.show(train_net, since=n_forward)  # outline what AddGradientOperators added

# %% [markdown]
# The returned `gradient_map` tells which blob holds which gradient. The loss's own gradient is the
# seed `loss_autogen_grad` (filled with 1.0); there is no gradient for `Y_noise` or anything before it,
# thanks to `StopGradient`.

# %%
for blob, grad in gradient_map.items():
    print(f"{blob:>8} -> {grad}")

# %% [markdown]
# ## The train net, part 3: the update
#
# Stochastic gradient descent is also written with operators:
#
# * `Iter` adds one to the counter `ITER`;
# * `LearningRate` computes the learning rate for this iteration: `base_lr · gamma^floor(iter/stepsize)`
#   with the `step` policy. In Caffe2 `base_lr` is **negative**, because the update *adds* `LR · grad`;
# * `WeightedSum` computes `W ← 1·W + LR·W_grad`, in place.

# %%
train_net.Iter(ITER, ITER)
LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)
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
# ### What ran, 100 times
#
# `CreateNet` compiled the train net into a Python function with one line per operator. Every
# kernel checks the shapes and dtypes of its inputs before computing, which is where clear error
# messages come from. But in this loop nothing changes shape: the blobs the net reads before
# writing them (its *carried* blobs) keep their layout from step to step. After two steps that
# showed this, graphlab switched to a second function whose kernels skip the checks. It first makes
# sure each carried blob is still the very array the previous step left (a `FeedBlob` would put a
# new one there, and that step would be checked again). Here is its beginning:

# %%
plan = workspace.CurrentWorkspaceObject().plan(train_net)
print("carried blobs:", plan.carried, "  trusted:", plan.trusted)
print("\n".join(plan.source(trusted=True).splitlines()[:24]), "\n    ...")

# %% [markdown]
# The loss falls quickly, then jitters: each step sees a new random batch with new noise, so the
# loss never reaches zero. The learning rate drops by 10% every 20 iterations (plotted as the
# positive step size `-LR`).

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
visualize.plot_loss(losses, ax=ax1, smooth=0.9)
ax2.plot(range(1, 101), -np.array(rates))
ax2.set(xlabel="iteration", ylabel="-LR (step size)", title="learning rate, policy 'step'")
ax2.grid(True)
plt.tight_layout()

# %% [markdown]
# ## Watching the parameters move
#
# Running the init net again resets `W`, `B` and `ITER` (so the learning-rate schedule restarts).
# Then we record `W` and `B` after every step and draw their path.

# %%
workspace.RunNetOnce(init_net)
w_history, b_history = [], []
for i in range(50):
    workspace.RunNet(train_net.Proto().name)
    w_history.append(workspace.FetchBlob("W"))
    b_history.append(workspace.FetchBlob("B"))
w_history = np.concatenate(w_history)
b_history = np.concatenate(b_history)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(w_history[:, 0], w_history[:, 1], "r")
ax1.plot([2.0], [1.5], "k*", markersize=12, label="ground truth")
ax1.set(xlabel="w_0", ylabel="w_1", title="path of W")
ax1.axis("equal")
ax1.grid(True)
ax1.legend()
ax2.plot(b_history, "r")
ax2.axhline(0.5, color="k", linestyle="--", label="ground truth")
ax2.set(xlabel="iteration", ylabel="b", title="B per iteration")
ax2.grid(True)
ax2.legend()
plt.tight_layout()

# %% [markdown]
# Stochastic gradient descent does not walk straight to the answer: every batch has different noise,
# so each step points in a slightly different direction. Re-run the two cells above to start from
# another random `W`.

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
# * An init net creates parameters once; a train net is run once per step.
# * `AddGradientOperators` appends the backward pass as ordinary operators; `gradient_map` says where
#   each gradient lives.
# * The optimizer is also operators: `Iter`, `LearningRate` (negative `base_lr`) and `WeightedSum`.
#
# ## Exercises
#
# 1. Remove the `StopGradient` and call `AddGradientOperators` on a fresh net. Which new entries
#    appear in `gradient_map`?
# 2. Change `stepsize` to 5 and `gamma` to 0.5. How do the loss curve and the final `W` change?
# 3. Increase the noise `std` to 3. What happens to the parameter paths?

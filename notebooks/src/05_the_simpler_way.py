# %% [markdown]
# # 5. The simpler way: ModelHelper, brew and optimizer
#
# > **You will learn** how `ModelHelper`, `brew` and `optimizer` build the same nets you wrote by hand,
# > which operators they add, how momentum and Adam differ from plain SGD, and how to train a small
# > classifier with a progress bar.
# >
# > **You need** notebooks 2 and 4 (the training net and learning-rate policies).
# >
# > **Time:** about 30 minutes.
#
# In notebook 2 we wrote every operator of the update by hand — `Iter`, `LearningRate`, one
# `WeightedSum` per parameter. The study note this project started from ends with a second question:
#
# > 需要手动写出来更新参数的公式，官方没有提供简单的吗？应该会有吧。
# >
# > *"You have to write out the parameter-update formula by hand. Doesn't the library provide
# > something simpler? There should be one."*
#
# There is. Caffe2 later taught the same regression with three helpers:
#
# * `ModelHelper` keeps the two nets (`param_init_net` and `net`) and the list of parameters;
# * `brew.fc` adds a fully connected layer *and* its initialised parameters;
# * `optimizer.build_sgd` adds the whole update.
#
# They do not hide anything: they add the same operators you would write by hand.

# %%
import numpy as np
from matplotlib import pyplot as plt

from itertools import zip_longest

from graphlab import (
    brew,
    check,
    core,
    model_helper,
    net_drawer,
    optimizer,
    training,
    visualize,
    workspace,
)

np.random.seed(0)
workspace.ResetWorkspace()
print("ready")

# %% [markdown]
# ## The seed's problem, the simpler way
#
# First the answer to the question, on the seed's own problem: the same data-making ops, one
# `brew.fc` for the model, and `build_sgd` with the seed's schedule (`base_lr` 0.1, `step` policy,
# stepsize 20, gamma 0.9).

# %%
def seed_by_hand():
    """Notebook 2's train net, written operator by operator."""
    init = core.Net("seed_init")
    init.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    init.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    init.ConstantFill([], "ONE", shape=[1], value=1.)
    init.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
    init.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
    init.ConstantFill([], "B", shape=[1], value=0.0)
    net = core.Net("seed_train")
    X = net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
    noise = net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
    Y_noise = X.FC(["W_gt", "B_gt"], "Y_gt").Add(noise, "Y_noise").StopGradient([], "Y_noise")
    loss = net.SquaredL2Distance([Y_noise, X.FC(["W", "B"], "Y_pred")], "dist").AveragedLoss(
        [], "loss")
    grads = net.AddGradientOperators([loss])
    net.Iter("ITER", "ITER")
    LR = net.LearningRate("ITER", "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    for param in ("W", "B"):
        net.WeightedSum([param, "ONE", grads[param], LR], param)
    return init, net


def seed_the_simpler_way():
    """The same model with ModelHelper, brew and build_sgd."""
    model = model_helper.ModelHelper(name="seed_simpler")
    model.param_init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    model.param_init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    X = model.net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0)
    noise = model.net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0)
    Y_noise = X.FC(["W_gt", "B_gt"], "Y_gt").Add(noise, "Y_noise").StopGradient([], "Y_noise")
    Y_pred = brew.fc(model, X, "Y_pred", dim_in=2, dim_out=1)
    dist = model.net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    model.AddGradientOperators([model.net.AveragedLoss(dist, "loss")])
    optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=20, gamma=0.9)
    return model


by_hand_init, by_hand = seed_by_hand()
simpler = seed_the_simpler_way()
print(f"{'by hand (notebook 2)':<52} the simpler way")
for a, b in zip_longest(by_hand.Proto().op, simpler.net.Proto().op):
    left = f"{a.type}({', '.join(a.input)})" if a else ""
    right = f"{b.type}({', '.join(b.input)})" if b else ""
    print(f"{left[:51]:<52} {right[:60]}")

# %% [markdown]
# The forward and gradient operators are the same, line for line; `brew.fc` named the parameters
# `Y_pred_w` and `Y_pred_b` and put their fillers in `param_init_net`. The update differs only in
# bookkeeping: `build_sgd` counts iterations with `AtomicIter` (guarded by a mutex, so several
# threads could share a counter), gives the learning rate a unique name, and uses a `ONE_0_0`
# constant. Both train the same way:

# %%
def train_seed(init, net, steps=100, w="W"):
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)
    workspace.RunNetOnce(init)
    workspace.CreateNet(net)
    workspace.RunNet(net.Name(), num_iter=steps)
    return workspace.FetchBlob(w)


print("by hand:        W =", train_seed(by_hand_init, by_hand))
print("simpler way:    W =", train_seed(simpler.param_init_net, simpler.net, w="Y_pred_w"))
print("ground truth:   W = [[2.  1.5]]")

# %% [markdown]
# ## Data: a quadratic
#
# We fit `y = 1.5·x² − 2·x + 0.5` plus noise, using the features `[x, x²]` — a *linear* model in
# those two features.

# %%
rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, size=(200, 1))
features = np.hstack([x, x**2]).astype(np.float32)
targets = (1.5 * x**2 - 2 * x + 0.5 + rng.normal(0, 0.3, size=x.shape)).astype(np.float32)
plt.figure(figsize=(5, 3.5))
plt.scatter(x, targets, s=8)
plt.xlabel("x")
plt.ylabel("y")
plt.title("200 noisy samples")
plt.grid(True, alpha=0.3)

# %% [markdown]
# ## The model in three lines
#
# `brew.fc` puts an `XavierFill` for the weight `y_pred_w` and a `ConstantFill` for the bias
# `y_pred_b` into the init net, and an `FC` into the training net.

# %%
def regression_model():
    """A new ModelHelper with the model and its loss (no gradients or update yet)."""
    model = model_helper.ModelHelper(name="regression_model")
    y_pred = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)
    dist = model.SquaredL2Distance(["Y_gt", y_pred], "dist")
    return model, model.AveragedLoss(dist, "loss")


model, loss = regression_model()
print("parameters:", model.params)
print(model.param_init_net.Proto())

# %% [markdown]
# ## The update in one line
#
# First the gradients (exactly as before), then `build_sgd`. The learning rate is given as a
# *positive* number; the optimizer puts the negative `base_lr` on the `LearningRate` op for you.

# %%
model, loss = regression_model()  # from scratch, so this cell can run again
model.AddGradientOperators([loss])
before = len(model.net.Proto().op)
optimizer.build_sgd(model, base_learning_rate=0.05, policy="step", stepsize=50, gamma=0.9)
print("build_sgd added these operators to the training net:")
for i, op in enumerate(model.net.Proto().op[before:], start=before):
    print(f"  #{i} {op.type}({', '.join(op.input)}) -> {', '.join(op.output)}")
print("and these to the init net:")
for op in model.param_init_net.Proto().op[2:]:
    print(f"  {op.type}({', '.join(op.input)}) -> {', '.join(op.output)}")

# %% [markdown]
# Compare with notebook 2: a counter (`AtomicIter` on `optimizer_iteration`, protected by a mutex),
# one `LearningRate`, and one `WeightedSum([param, ONE, grad, lr], param)` per parameter. (Caffe2's
# optimizer adds the `ONE_0_0` filler once per parameter; filling it twice is harmless.) The same
# picture, drawn in the teaching style — parameters highlighted:

# %%
net_drawer.show(model)  # a ModelHelper is drawn with model.params as its parameters

# %% [markdown]
# ## Training
#
# Feed the data, run the init net, create the training net and run it. `training.train` runs a
# created net N times and records the blobs you name.

# %%
workspace.FeedBlob("X", features)
workspace.FeedBlob("Y_gt", targets)
workspace.RunNetOnce(model.param_init_net)
workspace.CreateNet(model.net)
history = training.train(model.net, 300, record=["loss"])  # with a progress bar
w = workspace.FetchBlob("y_pred_w")[0]
b = workspace.FetchBlob("y_pred_b")[0]
print(f"fitted: y = {w[1]:.3f}·x² {w[0]:+.3f}·x {b:+.3f}   (truth: 1.5·x² -2·x +0.5)")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
visualize.plot_loss(history, ax=ax1, log=True)
grid = np.linspace(-2, 2, 100)
ax2.scatter(x, targets, s=8, alpha=0.5, label="data")
ax2.plot(grid, w[1] * grid**2 + w[0] * grid + b, "r", linewidth=2, label="fit")
ax2.set(xlabel="x", ylabel="y", title="best fit")
ax2.grid(True, alpha=0.3)
ax2.legend()
plt.tight_layout()

# %% [markdown]
# ## Momentum and Adam
#
# `build_sgd(..., momentum=0.9)` replaces `WeightedSum` with `MomentumSGDUpdate`, which keeps a
# velocity per parameter (a decaying sum of past gradients); `build_adam` uses `Adam`, which also scales each
# step by a running estimate of the gradient's size. Same model, three optimizers:

# %%
def fit(build, **kw):
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(1)
    m = model_helper.ModelHelper(name="quad")
    pred = brew.fc(m, "X", "y_pred", dim_in=2, dim_out=1)
    m.AveragedLoss(m.SquaredL2Distance(["Y_gt", pred], "dist"), "loss")
    m.AddGradientOperators(["loss"])
    build(m, **kw)
    workspace.FeedBlob("X", features)
    workspace.FeedBlob("Y_gt", targets)
    workspace.RunNetOnce(m.param_init_net)
    workspace.CreateNet(m.net)
    return m, training.train(m.net, 200, record=["loss"], progress=False)  # no bar: 3 short runs


fig, ax = plt.subplots(figsize=(7, 4))
for label, build, kw in [
    ("SGD, lr 0.02", optimizer.build_sgd, dict(base_learning_rate=0.02)),
    ("SGD + momentum 0.9, lr 0.02", optimizer.build_sgd,
     dict(base_learning_rate=0.02, momentum=0.9)),
    ("Adam, lr 0.05", optimizer.build_adam, dict(base_learning_rate=0.05)),
]:
    m, hist = fit(build, **kw)
    visualize.plot_loss(hist, ax=ax, smooth=None, log=True, label=label)
ax.set(title="the same model, three optimizers", ylabel="loss")
print("Adam ops in the last net (one per parameter):",
      [op.output[0] for op in m.net.Proto().op if op.type == "Adam"])

# %% [markdown]
# ## A small classifier
#
# Two interleaved spirals: no straight line separates them, so we need a hidden layer with a
# nonlinearity. The model is `FC → Relu → FC → Relu → FC`, trained with `SoftmaxWithLoss` (softmax
# and cross-entropy in one op) and measured with `Accuracy`.

# %%
def spirals(n=200, noise=0.2, seed=0):
    r = np.random.default_rng(seed)
    t = np.sqrt(r.uniform(0, 1, n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 3
    pts = np.concatenate([arm, -arm]) + r.normal(0, noise, (2 * n, 2))
    labels = np.concatenate([np.zeros(n), np.ones(n)]).astype(np.int32)
    return pts.astype(np.float32), labels


points, labels = spirals()
workspace.ResetWorkspace()
workspace.SetRandomSeed(0)
clf = model_helper.ModelHelper(name="spiral_classifier")
h = brew.relu(clf, brew.fc(clf, "data", "fc1", dim_in=2, dim_out=32), "h1")
h = brew.relu(clf, brew.fc(clf, h, "fc2", dim_in=32, dim_out=32), "h2")
scores = brew.fc(clf, h, "scores", dim_in=32, dim_out=2)
probs, xent = clf.SoftmaxWithLoss([scores, "label"], ["probs", "xent"])
clf.Accuracy([probs, "label"], "accuracy")
clf.AddGradientOperators([xent])
optimizer.build_adam(clf, base_learning_rate=0.02)
workspace.FeedBlob("data", points)
workspace.FeedBlob("label", labels)
workspace.RunNetOnce(clf.param_init_net)
workspace.CreateNet(clf.net)
hist = training.train(clf.net, 600, record=["xent", "accuracy"], progress=False)
print(f"final accuracy on the training points: {hist['accuracy'][-1]:.3f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
visualize.plot_loss(hist["xent"], ax=ax1, log=True, label="cross-entropy")
visualize.plot_decision_boundary(clf.net, points, labels, ax=ax2,
                                 input_blob="data", output_blob="scores")
ax2.set_title("decision boundary")
plt.tight_layout()

# %% [markdown]
# ## Take the model elsewhere: ONNX
#
# ONNX is the file format today's runtimes share. `graphlab.onnx.export` writes a *prediction* net
# (no loss, no optimizer) with the trained parameters inside, and onnxruntime, a production runtime,
# runs it with the same numbers. We rebuild the classifier's forward pass with `init_params=False`
# (its parameters are already in the workspace) and a `Softmax` at the end.

# %%
import os
import tempfile

import onnxruntime as ort

from graphlab import onnx as glonnx

predict = model_helper.ModelHelper(name="spiral_predict", init_params=False)
h = brew.relu(predict, brew.fc(predict, "data", "fc1", dim_in=2, dim_out=32), "h1")
h = brew.relu(predict, brew.fc(predict, h, "fc2", dim_in=32, dim_out=32), "h2")
brew.softmax(predict, brew.fc(predict, h, "scores", dim_in=32, dim_out=2), "probs")
onnx_path = os.path.join(tempfile.mkdtemp(), "spiral.onnx")
glonnx.export(predict.net, workspace.CurrentWorkspaceObject(), inputs={"data": points},
              path=onnx_path)
session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
(probs_onnx,) = session.run(["probs"], {"data": points})
workspace.RunNetOnce(predict.net)
print(f"wrote {os.path.getsize(onnx_path)} bytes of ONNX")
print("largest difference from graphlab:", np.abs(probs_onnx - workspace.FetchBlob("probs")).max())

# %% [markdown]
# Where to go next with that file: open it in [Netron](https://netron.app) to see the same graph
# drawn by another tool, or continue in PyTorch with `onnx2torch.convert("spiral.onnx")`.
# [docs/onnx.md](../docs/onnx.md) lists the operators the exporter knows.

# %% [markdown]
# ## Summary
#
# * `ModelHelper` + `brew.fc` build the init net and the training net together and track parameters.
# * `optimizer.build_sgd` adds the same `Iter`-like counter, `LearningRate` and `WeightedSum` ops we
#   wrote by hand; `momentum=` and `build_adam` swap in other update operators.
# * Nothing is hidden: print or draw `model.net` to see every operator.
# * `graphlab.onnx.export` takes a trained model to other runtimes (onnxruntime, PyTorch).
#
# ## Exercises
#
# **1.** Build `regression_model()` again with `build_sgd(..., momentum=0.9)`. Which blobs hold the
# momentum? Check your list with `check.momentum_blobs([...], momentum_model.net)`.
#
# <details><summary>Hint</summary>
#
# With momentum, `build_sgd` uses `MomentumSGDUpdate([grad, momentum, lr, param], ...)`; print
# `momentum_model.net.summary()` and look at its second input, and at what `param_init_net` fills.
# </details>

# %% [solution]
momentum_model, momentum_loss = regression_model()
momentum_model.AddGradientOperators([momentum_loss])
optimizer.build_sgd(momentum_model, base_learning_rate=0.05, momentum=0.9)
print(momentum_model.net.summary())
answer = [op.input[1] for op in momentum_model.net.Proto().op if op.type == "MomentumSGDUpdate"]
check.momentum_blobs(answer, momentum_model.net)

# %% [markdown]
# **2.** Remove the hidden layers of the spiral classifier (one `brew.fc` from `data` to 2 scores).
# What accuracy can a linear model reach on the spirals, and why?
#
# <details><summary>Hint</summary>
#
# A linear classifier splits the plane with one straight line. Draw its decision boundary with
# `visualize.plot_decision_boundary`.
# </details>

# %% [solution]
workspace.ResetWorkspace()
workspace.SetRandomSeed(0)
linear = model_helper.ModelHelper(name="linear_classifier")
lin_scores = brew.fc(linear, "data", "scores", dim_in=2, dim_out=2)
lin_probs, lin_xent = linear.SoftmaxWithLoss([lin_scores, "label"], ["probs", "xent"])
linear.Accuracy([lin_probs, "label"], "accuracy")
linear.AddGradientOperators([lin_xent])
optimizer.build_adam(linear, base_learning_rate=0.02)
workspace.FeedBlob("data", points)
workspace.FeedBlob("label", labels)
workspace.RunNetOnce(linear.param_init_net)
workspace.CreateNet(linear.net)
lin_hist = training.train(linear.net, 600, record=["accuracy"], progress=False)
print(f"a linear model reaches {lin_hist['accuracy'][-1]:.2f} accuracy")
fig, ax = plt.subplots(figsize=(5, 4.5))
visualize.plot_decision_boundary(linear.net, points, labels, ax=ax,
                                 input_blob="data", output_blob="scores")
ax.set_title("a linear model: one straight boundary");

# %% [markdown]
# About 0.7: one straight line cannot follow two interleaved spirals, however long it trains. The
# hidden layers with `Relu` bend the boundary.
#
# **3.** Train the quadratic with `build_adam(..., policy="exp", gamma=0.99)` and compare its loss
# curve with plain Adam.
#
# <details><summary>Hint</summary>
#
# `fit(optimizer.build_adam, base_learning_rate=0.05, policy="exp", gamma=0.99)` returns the model
# and the history.
# </details>

# %% [solution]
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, kw in [("Adam, fixed", {}), ("Adam, exp 0.99", dict(policy="exp", gamma=0.99))]:
    _, h = fit(optimizer.build_adam, base_learning_rate=0.05, **kw)
    visualize.plot_loss(h, ax=ax, log=True, label=label)
ax.set(ylabel="loss (log scale)", title="Adam with and without a decaying rate")
ax.legend();

# %% [markdown]
# The decaying rate makes Adam's steps smaller over time, so it settles more smoothly at the end, at
# the cost of a slightly slower start.
#
# ---
#
# **Next →** [6. Digits with Caffe2's LeNet](06_digits_lenet.ipynb)

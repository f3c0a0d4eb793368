# %% [markdown]
# # 4. The simpler way: ModelHelper, brew and optimizer
#
# In notebook 2 we wrote every operator of the update by hand — `Iter`, `LearningRate`, one
# `WeightedSum` per parameter — and the note this project started from asked: *is there no official,
# simpler way?* There is. Caffe2 later taught the same regression with three helpers:
#
# * `ModelHelper` keeps the two nets (`param_init_net` and `net`) and the list of parameters;
# * `brew.fc` adds a fully connected layer *and* its initialised parameters;
# * `optimizer.build_sgd` adds the whole update.
#
# They do not hide anything: they add the same operators you would write by hand.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import brew, model_helper, net_drawer, optimizer, training, visualize, workspace

np.random.seed(0)
workspace.ResetWorkspace()
print("ready")

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
model = model_helper.ModelHelper(name="regression_model")
y_pred = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)
dist = model.SquaredL2Distance(["Y_gt", y_pred], "dist")
loss = model.AveragedLoss(dist, "loss")
print("parameters:", model.params)
print(model.param_init_net.Proto())

# %% [markdown]
# ## The update in one line
#
# First the gradients (exactly as before), then `build_sgd`. The learning rate is given as a
# *positive* number; the optimizer puts the negative `base_lr` on the `LearningRate` op for you.

# %%
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
history = training.train(model.net, 300, record=["loss"], progress=False)
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
    return m, training.train(m.net, 200, record=["loss"], progress=False)


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
# ## Summary
#
# * `ModelHelper` + `brew.fc` build the init net and the training net together and track parameters.
# * `optimizer.build_sgd` adds the same `Iter`-like counter, `LearningRate` and `WeightedSum` ops we
#   wrote by hand; `momentum=` and `build_adam` swap in other update operators.
# * Nothing is hidden: print or draw `model.net` to see every operator.
#
# ## Exercises
#
# 1. Print `model.net.Proto()` after `build_sgd` with `momentum=0.9`. Which blobs hold the momentum?
# 2. Remove the hidden layers of the classifier. What accuracy can a linear model reach on spirals?
# 3. Try `policy="exp", gamma=0.99` in `build_adam` and compare the loss curves.

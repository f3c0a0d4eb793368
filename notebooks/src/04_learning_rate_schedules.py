# %% [markdown]
# # 3. Learning-rate schedules
#
# The learning rate decides how big each gradient step is. Caffe2 computes it with an operator,
# `LearningRate`, that reads the iteration counter and applies a *policy*: fixed, a step every so
# often, exponential decay, warm-ups, cycles, cosine restarts... In this notebook we plot every policy
# **from the operator itself**, then watch what different schedules and rates do to training.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import core, schedules, visualize, workspace

np.random.seed(0)
workspace.ResetWorkspace()
print("policies:", ", ".join(schedules.POLICIES))

# %% [markdown]
# ## Why is `base_lr` negative?
#
# Caffe2's update is a `WeightedSum`: `W ← 1·W + LR·W_grad`. To go *down* the gradient, `LR` must be
# negative, so tutorials write `base_lr=-0.1`. The schedule then multiplies it:
# `LR = base_lr × f_policy(iter)`. In the plots below we use `base_lr = 1`, so the curve shows the
# multiplier `f` itself.

# %% [markdown]
# ## A tiny net that only computes the learning rate
#
# `Iter` increments the counter, `LearningRate` reads it. Because `Iter` runs first, the first run
# sees `iter = 1`. We run the net many times and fetch `LR` after each run.

# %%
def lr_from_op(policy, steps=200, base_lr=1.0, **args):
    """Run Iter + LearningRate `steps` times and return the LR blob after each run."""
    init = core.Net("lr_init")
    init.ConstantFill([], "it", shape=[1], value=0, dtype=core.DataType.INT64)
    net = core.Net("lr_" + policy)
    net.Iter("it", "it")
    net.LearningRate("it", "lr", base_lr=base_lr, policy=policy, **args)
    workspace.RunNetOnce(init)
    workspace.CreateNet(net)
    values = []
    for _ in range(steps):
        workspace.RunNet(net.Name())
        values.append(float(workspace.FetchBlob("lr")))
    return np.array(values)


lr = lr_from_op("step", steps=100, base_lr=-0.1, stepsize=20, gamma=0.9)
print("the seed's schedule, first iterations:", lr[:3], "... iteration 20:", round(lr[19], 6))

# %% [markdown]
# ## Every policy
#
# Each panel runs the operator with the example arguments listed in
# `visualize.EXAMPLE_POLICY_ARGS` (chosen to make the shape visible in 200 iterations).

# %%
policies = visualize.EXAMPLE_POLICY_ARGS
ncols = 4
nrows = -(-len(policies) // ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(13, 2.6 * nrows), squeeze=False)
iterations = np.arange(1, 201)
for ax, (policy, args) in zip(axes.ravel(), policies.items()):
    ax.plot(iterations, lr_from_op(policy, 200, **args))
    ax.set_title(policy, fontsize="medium")
    ax.grid(True, alpha=0.3)
for ax in axes.ravel()[len(policies):]:
    fig.delaxes(ax)
fig.suptitle("LearningRate multiplier per iteration (base_lr = 1)")
fig.tight_layout()

# %% [markdown]
# The operator and the pure functions in `graphlab.schedules` are the same math: the op calls them.
# That lets you plot a schedule without building a net:

# %%
op_values = lr_from_op("cosine", 200, max_lr=1.0, min_lr=0.1, period=60, t_mult=1.5, lr_shrink=0.9)
fn_values = schedules.learning_rate(iterations, 1.0, "cosine", max_lr=1.0, min_lr=0.1, period=60,
                                    t_mult=1.5, lr_shrink=0.9)
print("largest difference between op and function:", np.abs(op_values - fn_values).max())

# %% [markdown]
# A misspelt policy is an error that lists the known ones (Caffe2 aborted the whole process):

# %%
try:
    lr_from_op("multistep", 1)
except Exception as err:
    print(type(err).__name__, ":", err)

# %% [markdown]
# ## Schedules in training
#
# Now the toy regression of notebook 2, with the policy and base learning rate as parameters.
# A function builds fresh nets, trains for 150 steps and returns the loss per step.

# %%
def build_toy(policy="fixed", base_lr=-0.1, seed=0, **args):
    """Fresh init and train nets for the toy regression; returns the created train net."""
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(seed)  # same data and initial W for every run: a fair comparison
    init = core.Net("toy_init")
    W_gt = init.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    B_gt = init.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    ONE = init.ConstantFill([], "ONE", shape=[1], value=1.0)
    ITER = init.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
    W = init.UniformFill([], "W", shape=[1, 2], min=-1.0, max=1.0)
    B = init.ConstantFill([], "B", shape=[1], value=0.0)
    net = core.Net("toy_train")
    X = net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0)
    noise = net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0)
    Y_noise = X.FC([W_gt, B_gt], "Y_gt").Add(noise, "Y_noise").StopGradient([], "Y_noise")
    loss = net.SquaredL2Distance([Y_noise, X.FC([W, B], "Y_pred")], "dist").AveragedLoss([], "loss")
    grads = net.AddGradientOperators([loss])
    net.Iter(ITER, ITER)
    LR = net.LearningRate(ITER, "LR", base_lr=base_lr, policy=policy, **args)
    for param in (W, B):
        net.WeightedSum([param, ONE, grads[param], LR], param)
    workspace.RunNetOnce(init)
    workspace.CreateNet(net)
    return net


def train_toy(policy="fixed", base_lr=-0.1, steps=150, seed=0, **args):
    """Train the toy regression and return the loss after each step."""
    net = build_toy(policy, base_lr, seed, **args)
    losses = []
    for _ in range(steps):
        workspace.RunNet(net.Name())
        losses.append(float(workspace.FetchBlob("loss")))
    return np.array(losses)


fig, ax = plt.subplots(figsize=(10, 4))
runs = {
    "fixed": dict(policy="fixed"),
    "step (stepsize 5, γ 0.5)": dict(policy="step", stepsize=5, gamma=0.5),
    "exp (γ 0.97)": dict(policy="exp", gamma=0.97),
    "linearWarmup (40 iters)": dict(policy="linearWarmup", start_multiplier=0.05, num_iter=40),
}
for label, kw in runs.items():
    visualize.plot_loss(train_toy(**kw), ax=ax, smooth=0.9, log=True, label=label)
ax.set(title="toy regression, base_lr = -0.1", ylabel="loss")
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0));

# %% [markdown]
# The fixed rate and the gentle `exp` decay reach the noise floor (the loss cannot go below about
# 0.5, half the noise variance) in about 40 steps; the warm-up starts slowly and catches up. The
# aggressive `step` policy halves the rate every 5 iterations, so after 30 it is 64 times smaller:
# the steps shrank before the fit was done, and its loss stays above the floor.

# %% [markdown]
# ## How big a step is too big?
#
# With a fixed policy we vary the base learning rate. Small steps are slow; larger ones are faster;
# past a limit each step *overshoots* further than the last and the loss explodes.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
with np.errstate(over="ignore", invalid="ignore"):
    for base_lr in [-0.01, -0.1, -0.5, -1.5, -2.5]:
        losses = train_toy(policy="fixed", base_lr=base_lr, steps=60)
        ax.plot(np.arange(1, 61), losses, label=f"base_lr = {base_lr}")
ax.set_yscale("log")
ax.set(xlabel="iteration", ylabel="loss", title="the loss under different fixed learning rates")
ax.grid(True, alpha=0.3)
ax.legend();

# %% [markdown]
# With `base_lr = -2.5` the loss grows without bound: the run has **diverged**. In a longer run the
# numbers overflow to `inf` and then `nan`. graphlab's *divergence guard* (`check_finite=True`, off by
# default because it costs time) stops training the moment that happens and names the operator that
# produced the first non-finite value:

# %%
net = build_toy(policy="fixed", base_lr=-2.5)
try:
    with np.errstate(over="ignore", invalid="ignore"):
        workspace.RunNet(net.Name(), num_iter=2000, check_finite=True)
except RuntimeError as err:
    print(err)

# %% [markdown]
# ## Summary
#
# * `LearningRate` computes `base_lr × f_policy(iter)`; `base_lr` is negative because the update adds
#   `LR × grad`.
# * Every policy is a small formula of the iteration count; `graphlab.schedules` has them as functions.
# * Too small a rate is slow, too large a rate diverges.
#
# ## Exercises
#
# 1. Find (roughly) the largest fixed `base_lr` that still converges for the toy problem.
# 2. Combine a warm-up with exponential decay using the `composite` policy.
# 3. Plot `cyclical` with `decay=0.5`. What does `decay` do?

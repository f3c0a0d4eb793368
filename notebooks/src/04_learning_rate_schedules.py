# %% [markdown]
# # 4. Learning-rate schedules
#
# > **You will learn** how the `LearningRate` operator turns an iteration count into a step size,
# > what the common policies look like, how to chain them with `composite`, and what too small and too
# > large a rate do to training.
# >
# > **You need** notebook 2 (the training net, `Iter`, `LearningRate`, `WeightedSum`).
# >
# > **Time:** about 25 minutes.
#
# The learning rate decides how big each gradient step is. Caffe2 computes it with an operator,
# `LearningRate`, that reads the iteration counter and applies a *policy*: fixed, a step every so
# often, exponential decay, warm-ups, cycles, cosine restarts... In this notebook we plot every policy
# **from the operator itself**, then watch what different schedules and rates do to training.

# %%
import numpy as np
from matplotlib import pyplot as plt

from graphlab import check, core, schedules, visualize, workspace

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
# ## The policies you will meet first
#
# Six policies, each run through the operator with example arguments. Every curve starts at
# `iter = 1` and shows the multiplier `f(iter)` (`base_lr = 1`):
#
# * `fixed`: always 1; `step`: multiply by `gamma` every `stepsize` iterations;
# * `exp`: `gamma ** iter`; `inv`: `(1 + gamma·iter) ** (-power)`;
# * `linearWarmup`: grow from `start_multiplier` to 1 over `num_iter` iterations;
# * `cosine`: half cosine waves from `max_lr` down to `min_lr`, restarting every `period`.

# %%
import textwrap

first_six = ["fixed", "step", "exp", "inv", "linearWarmup", "cosine"]
fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharex=True)
iterations = np.arange(1, 201)
for ax, policy in zip(axes.ravel(), first_six):
    values = lr_from_op(policy, 200, **visualize.EXAMPLE_POLICY_ARGS[policy])
    ax.plot(iterations, values)
    ax.set_ylim(0, 1.1)
    args = ", ".join(f"{k}={v}" for k, v in visualize.EXAMPLE_POLICY_ARGS[policy].items())
    ax.set_title(policy + "\n" + textwrap.fill(args or "(no arguments)", 45), fontsize="small")
    ax.grid(True, alpha=0.3)
for ax in axes[:, 0]:
    ax.set_ylabel("multiplier f(iter)")
for ax in axes[1]:
    ax.set_xlabel("iteration")
fig.tight_layout()

# %% [markdown]
# Caffe2 has 18 policies in all. One line draws every one of them (from the same functions):
# `visualize.plot_all_lr_policies()`.
#
# ## Chaining policies: `composite`
#
# `composite` runs sub-policies one after another. `sub_policy_num_iters=[n0, n1, ...]` says how many
# iterations each gets; sub-policy `i` is configured by arguments named `sub_policy_<i>_<argument>`:
# its policy (`sub_policy_0_policy="fixed"`), its policy's arguments (`sub_policy_1_gamma=0.5`), and
# an optional scale (`sub_policy_<i>_lr_scale`). The last sub-policy keeps going after its range. Each
# sub-policy sees the *global* iteration, as in Caffe2. Here: a constant 0.5 for 50 iterations, then a
# step every 40:

# %%
chained = lr_from_op("composite", 200, sub_policy_num_iters=[50, 150],
                     sub_policy_0_policy="fixed", sub_policy_0_lr_scale=0.5,
                     sub_policy_1_policy="step", sub_policy_1_stepsize=40, sub_policy_1_gamma=0.5)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(iterations, chained)
ax.set(xlabel="iteration", ylabel="multiplier f(iter)", ylim=(0, 1.1),
       title="composite: fixed ×0.5, then step")
ax.grid(True, alpha=0.3)

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
    visualize.plot_loss(train_toy(**kw), ax=ax, smooth=0.6, log=True, label=label)
ax.set(title="toy regression, base_lr = -0.1 (faint: raw loss; solid: moving average)",
       ylabel="loss (log scale)")
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
ax.set_ylim(0.2, 100)  # the diverging run leaves the plot: it reaches about 1e21
ax.annotate("base_lr = -2.5 diverges ↑", xy=(12, 60), fontsize="small")
ax.set(xlabel="iteration", ylabel="loss (log scale)",
       title="the loss under different fixed learning rates")
ax.grid(True, alpha=0.3)
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small");

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
# * Every policy is a small formula of the iteration count; `graphlab.schedules` has them as functions,
#   and `composite` chains them with `sub_policy_<i>_<argument>` arguments.
# * Too small a rate is slow, too large a rate diverges.
#
# ## Exercises
#
# **1.** Find, to 0.1, the largest fixed step size `s` (so `base_lr = -s`) for which the toy regression
# still settles below a loss of 1.0 in 150 steps. Check with `check.largest_stable_lr(s, train_toy)`.
#
# <details><summary>Hint</summary>
#
# Loop over `s` in 0.1, 0.2, ... and look at `train_toy(policy="fixed", base_lr=-s)[-1]`. The answer
# is between 1.5 and 2.5: the loss's curvature is about 1 because `X` has unit variance.
# </details>

# %% [solution]
with np.errstate(over="ignore", invalid="ignore"):
    settles = [round(s, 1) for s in np.arange(0.1, 3.0, 0.1)
               if train_toy(policy="fixed", base_lr=-s)[-1] < 1.0]
print("largest step size that settles:", max(settles))
check.largest_stable_lr(max(settles), train_toy)

# %% [markdown]
# **2.** Build a warm-up followed by a decay with `composite`: `linearWarmup` from 0.1 to 1 over the
# first 20 iterations, then `exp` with `gamma=0.98`. Run it through the operator for 100 iterations
# with `base_lr=1` and check the values: `check.lr_policy(my_lr)`.
#
# <details><summary>Hint</summary>
#
# `sub_policy_num_iters=[20, 80]`, `sub_policy_0_policy="linearWarmup"` with
# `sub_policy_0_start_multiplier` and `sub_policy_0_num_iter`, then `sub_policy_1_policy="exp"` and
# its `gamma`.
# </details>

# %% [solution]
my_lr = lr_from_op("composite", 100, sub_policy_num_iters=[20, 80],
                   sub_policy_0_policy="linearWarmup", sub_policy_0_start_multiplier=0.1,
                   sub_policy_0_num_iter=20,
                   sub_policy_1_policy="exp", sub_policy_1_gamma=0.98)
check.lr_policy(my_lr)

# %% [markdown]
# The jump at iteration 21 is real: the `exp` sub-policy sees the global iteration, so it starts at
# `0.98 ** 21`, not at 1. Caffe2's `composite` works that way too.
#
# **3.** Which `gamma` makes the `exp` policy halve the learning rate every 50 iterations? Check it:
# the multiplier at iteration 50 must be 0.5,
# `check.learning_rate(0.5, 50, 1.0, "exp", gamma=my_gamma)`.
#
# <details><summary>Hint</summary>
#
# `exp` gives `gamma ** iter`. Solve `gamma ** 50 = 0.5`.
# </details>

# %% [solution]
my_gamma = 0.5 ** (1 / 50)
print(f"gamma = {my_gamma:.6f}")
check.learning_rate(0.5, 50, 1.0, "exp", gamma=my_gamma)

# %% [markdown]
# ---
#
# **Next →** [5. The simpler way](05_the_simpler_way.ipynb)

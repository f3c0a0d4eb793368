# %% [markdown]
# # 8. Under the hood (optional)
#
# > **You will learn** what `RunNet` does inside: the interpreter loop that defines it, an engine of
# > your own in ten lines, how `CreateNet` compiles a net into one Python function, what *trusted
# > runs* and *deferred outputs* skip, and how fast all this is next to hand-written NumPy.
# >
# > **You need** notebooks 1 and 2. Nothing here is needed to use graphlab.
# >
# > **Time:** about 25 minutes.
#
# The earlier notebooks treated running a net as a black box: `RunNetOnce`, or `CreateNet` then
# `RunNet`. Here we open it.

# %%
import inspect
import time

import numpy as np

from graphlab import core, interpreter, registry, workspace

np.random.seed(0)
workspace.ResetWorkspace()
print("ready")

# %% [markdown]
# ## The definition: a loop over the operators
#
# `graphlab/interpreter.py` is the reference engine. For each operator it looks up the schema, parses
# the arguments, reads the inputs, calls the operator's plain kernel and stores the outputs. This is
# its loop, exactly as it is in the package:

# %%
print(inspect.getsource(interpreter.run_ops))

# %% [markdown]
# `RunNetOnce` and `RunOperatorOnce` run through this loop. Everything else in this notebook is an
# optimisation of it, and graphlab's test suite checks that every optimisation leaves exactly the same
# blobs, bit for bit.
#
# ## An engine of your own, in ten lines
#
# The registry gives each operator type's schema: its kernel and how to read its arguments. That is
# all an engine needs. Here is one, for nets without random operators, working on a plain dict:

# %%
def my_run(net, blobs):
    """Run ``net`` on ``blobs`` (a dict of arrays), one operator at a time."""
    for op in net.Proto().op:
        schema = registry.get_schema(op.type)
        args = schema.parse_args(op.arg)
        result = schema.kernel(*[blobs[name] for name in op.input], **args)
        outputs = [result] if len(op.output) == 1 else list(result)
        blobs.update(zip(op.output, outputs))
    return blobs


net = core.Net("tiny")
net.FC(["X", "W", "b"], "Y").Relu([], "Z")
rng = np.random.default_rng(0)
feeds = {"X": rng.normal(size=(2, 3)).astype(np.float32),
         "W": rng.normal(size=(4, 3)).astype(np.float32),
         "b": np.ones(4, np.float32)}
mine = my_run(net, dict(feeds))
for name, value in feeds.items():
    workspace.FeedBlob(name, value)
workspace.RunNetOnce(net)
print("my engine:", mine["Z"].ravel()[:4])
print("graphlab: ", workspace.FetchBlob("Z").ravel()[:4])
print("bit-identical:", np.array_equal(mine["Z"], workspace.FetchBlob("Z")))

# %% [markdown]
# ## What `CreateNet` adds: a compiled plan
#
# The loop above repeats the same work on every run: look up the schema, parse the arguments, look up
# each input by name. A training loop runs the same net thousands of times, so `CreateNet` does that
# work once and *generates* a Python function with one line per operator. Here is the function for
# notebook 2's training net (built by the same code):

# %%
def seed_nets():
    init = core.Net("seed_init")
    init.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    init.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    init.ConstantFill([], "ONE", shape=[1], value=1.)
    init.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
    init.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
    init.ConstantFill([], "B", shape=[1], value=0.0)
    train = core.Net("seed_train")
    X = train.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0)
    noise = train.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0)
    Y_noise = X.FC(["W_gt", "B_gt"], "Y_gt").Add(noise, "Y_noise").StopGradient([], "Y_noise")
    loss = train.SquaredL2Distance([Y_noise, X.FC(["W", "B"], "Y_pred")], "dist").AveragedLoss(
        [], "loss")
    grads = train.AddGradientOperators([loss])
    train.Iter("ITER", "ITER")
    LR = train.LearningRate("ITER", "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    for param in ("W", "B"):
        train.WeightedSum([param, "ONE", grads[param], LR], param)
    return init, train


init_net, train_net = seed_nets()
workspace.RunNetOnce(init_net)
workspace.CreateNet(train_net)
plan = workspace.CurrentWorkspaceObject().plan(train_net)
print(plan.source())

# %% [markdown]
# Each `_f<i>` is operator `i`'s kernel, bound with its arguments already parsed; `blobs` is the
# workspace's table. Each kernel still checks the shapes and dtypes of its inputs before computing:
# that is where graphlab's clear error messages come from.
#
# ## Deferred outputs
#
# `FCGradient` computes three gradients, and one of them, `X_grad` (shape [64, 2]), is read by no
# operator of the net: `X` is data. The plan does not compute it on every step. It leaves a *recipe*
# in the workspace instead, and `FetchBlob("X_grad")` runs the recipe the moment you ask, so you can
# never see the difference:

# %%
print("outputs the plan may defer:", plan.deferred_outputs)
workspace.RunNet(train_net.Name())
print("X_grad when fetched:", workspace.FetchBlob("X_grad").shape)

# %% [markdown]
# ## Trusted runs
#
# In a training loop nothing changes shape. The blobs a net reads before writing them (its *carried*
# blobs: parameters, the counter, constants) keep their shapes and dtypes from step to step. After two
# runs that showed this, graphlab switches to a second generated function whose kernels skip their
# checks. It first makes sure each carried blob is still the very array the previous run left: a
# `FeedBlob` puts a new one there, and that run is checked again.

# %%
workspace.RunNet(train_net.Name(), num_iter=3)
print("carried blobs:", plan.carried)
print("trusted now?", plan.trusted)
print("\n".join(plan.source(trusted=True).splitlines()[:12]), "\n    ...")

# %% [markdown]
# ## How fast?
#
# The same step three ways: the interpreter (`RunNetOnce`, which prepares every operator each time),
# the compiled plan (`RunNet`), and the step hand-written in NumPy. Times vary from machine to
# machine; the README reports careful measurements (`benchmarks/bench_runnet.py`).

# %%
def hand_step(state, rng):
    X = rng.standard_normal((64, 2), dtype=np.float32)
    noise = rng.standard_normal((64, 1), dtype=np.float32)
    diff = X @ state["W"].T + state["B"] - (X @ state["W_gt"].T + state["B_gt"] + noise)
    loss = 0.5 * np.dot(diff.ravel(), diff.ravel()) / 64
    g = diff / np.float32(64)
    state["it"] += 1
    lr = np.float32(-0.1 * 0.9 ** (state["it"] // 20))
    state["W"] += lr * (g.T @ X)
    state["B"] += lr * g.sum(axis=0)
    return loss


def per_call(fn, n=300, repeats=5):
    """The best of ``repeats`` timings of ``n`` calls, in µs per call."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


state = {"W_gt": np.array([[2.0, 1.5]], np.float32), "B_gt": np.array([0.5], np.float32),
         "W": np.zeros((1, 2), np.float32), "B": np.zeros(1, np.float32), "it": 0}
rng = np.random.default_rng(0)
times = {
    "hand-written NumPy": per_call(lambda: hand_step(state, rng)),
    "RunNet (compiled)": per_call(lambda: workspace.RunNet(train_net.Name())),
    "RunNetOnce (interpreter)": per_call(lambda: workspace.RunNetOnce(train_net), n=100),
}
for name, us in times.items():
    print(f"{name:>26}: {us:7.1f} µs per step")

# %% [markdown]
# The compiled plan comes close to the hand-written step (the README's careful measurement: about
# 1.3 times it): the work left is the operators' own arithmetic and a Python call per operator. The interpreter is several times slower because it
# redoes the lookups and parsing on every run, which is why training loops use `CreateNet`.
#
# ## Summary
#
# * `interpreter.run_ops` is what running a net means: look up, parse, read, call, store.
# * `CreateNet` compiles a net into one generated function; `RunNet` calls it.
# * Outputs nothing reads are deferred until fetched; trusted runs skip checks while nothing changes
#   shape. Both are invisible: the blobs are bit-identical to the interpreter's.
#
# ## Exercise
#
# **1.** Turn `my_run` into a *tracer*: print each operator and the shapes of what it wrote. Run it on
# `tiny`.
#
# <details><summary>Hint</summary>
#
# After `blobs.update(...)`, print `op.type` and `[blobs[n].shape for n in op.output]`.
# </details>

# %% [solution]
def my_trace(net, blobs):
    for i, op in enumerate(net.Proto().op):
        schema = registry.get_schema(op.type)
        result = schema.kernel(*[blobs[n] for n in op.input], **schema.parse_args(op.arg))
        blobs.update(zip(op.output, [result] if len(op.output) == 1 else list(result)))
        print(f"#{i} {op.type:<6} wrote", {n: blobs[n].shape for n in op.output})
    return blobs


_ = my_trace(net, dict(feeds))

# %% [markdown]
# # 1. Workspace, blobs and operators
#
# A deep-learning framework like Caffe2 has three ideas at its heart:
#
# * **blobs** — named arrays (here: NumPy arrays) that hold data, parameters and gradients;
# * a **workspace** — the place where blobs live, looked up by name;
# * **operators** — small units of computation that read some blobs and write others.
#
# A **net** is just a list of operators. You *declare* a net first and *run* it later.
# This notebook walks through each idea with graphlab, which re-creates Caffe2's Python API on NumPy.

# %%
import numpy as np
from IPython import display

from graphlab import core, net_drawer, workspace

np.random.seed(0)  # graphlab's random operators take their seeds from NumPy: runs are repeatable
workspace.ResetWorkspace()
print("current workspace:", workspace.CurrentWorkspace())
print("blobs in it:", workspace.Blobs())

# %% [markdown]
# ## Blobs: feeding and fetching
#
# `FeedBlob` copies a NumPy array into the workspace under a name; `FetchBlob` copies it back out.
# Both *copy*, so changing your array later never changes the blob (and the other way round).

# %%
X = np.random.randn(2, 3).astype(np.float32)
print("Generated X from numpy:\n", X)
workspace.FeedBlob("X", X)
print("blobs:", workspace.Blobs())
print("Fetched X:\n", workspace.FetchBlob("X"))

# %% [markdown]
# Asking for a blob that does not exist is an error that names the blob — and suggests close names,
# because a typo is the usual cause.

# %%
try:
    workspace.FetchBlob("x")
except RuntimeError as err:
    print(err)

# %% [markdown]
# ## Several workspaces
#
# You can keep several workspaces and switch between them; each has its own blobs (and its own
# nets). `SwitchWorkspace(name, True)` creates one if it is missing.

# %%
workspace.SwitchWorkspace("gutentag", True)
print("in", workspace.CurrentWorkspace(), "the blobs are", workspace.Blobs())
workspace.SwitchWorkspace("default")
print("in", workspace.CurrentWorkspace(), "the blobs are", workspace.Blobs())

# %% [markdown]
# ## One operator
#
# An operator is described by an `OperatorDef`: its type, its input and output blob names, and its
# arguments. `core.CreateOperator` makes one. Nothing runs yet — printing shows the description,
# in the same text format Caffe2 used.

# %%
op = core.CreateOperator("Relu", ["X"], ["Y"])
print(op)

# %% [markdown]
# `RunOperatorOnce` runs it on the workspace: it reads blob `X` and writes blob `Y`.

# %%
workspace.RunOperatorOnce(op)
print("X:\n", workspace.FetchBlob("X"))
print("Y = max(0, X):\n", workspace.FetchBlob("Y"))

# %% [markdown]
# Operators take arguments. A `GaussianFill` has no inputs; its arguments say what to fill.

# %%
op = core.CreateOperator("GaussianFill", [], ["Z"], shape=[100, 100], mean=1.0, std=1.0)
print(op)
workspace.RunOperatorOnce(op)
Z = workspace.FetchBlob("Z")
print(f"Z has shape {Z.shape}, mean {Z.mean():.3f}, std {Z.std():.3f}")

# %% [markdown]
# Misspelt argument names are caught when the operator is created, with a suggestion. (Caffe2
# silently ignored unknown arguments — a classic source of confusion.)

# %%
try:
    core.CreateOperator("GaussianFill", [], ["Z"], shape=[2], mena=1.0)
except TypeError as err:
    print(err)

# %% [markdown]
# ## A net
#
# A net is a list of operators. We build one with `net.<OperatorType>(inputs, outputs, **args)`.
# Here: fill `X` and `W` with random numbers and `b` with ones, then a fully connected layer
# `Y = X · Wᵀ + b`. A freshly made net has nothing but a name.

# %%
net = core.Net("my_first_net")
print(net.Proto())

# %% [markdown]
# Every call returns a `BlobReference` — the name of the blob it will write. Calling an operator *on*
# a blob reference, as in `X.FC(...)`, puts that blob first in the inputs.

# %%
X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3])
W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3])
b = net.ConstantFill([], ["b"], shape=[5], value=1.0)
Y = X.FC([W, b], ["Y"])
print(net.Proto())

# %% [markdown]
# The printout is long; a picture is easier. Green boxes are operators (`Type (op#index)`),
# octagons are blobs, and arrows show which blobs each operator reads and writes.

# %%
graph = net_drawer.GetPydotGraph(net.Proto().op, "mynet", rankdir="LR")
display.Image(graph.create_png(), width=600)

# %% [markdown]
# ## Running a net: `RunNetOnce` versus `CreateNet` + `RunNet`
#
# Building the net ran nothing: the workspace still has only the blobs from the cells above
# (`X` we fed, `Y` and `Z` our single operators wrote), and no `W` or `b`.

# %%
print("blobs before running:", workspace.Blobs())

# %% [markdown]
# There are two ways to run a net.
#
# * `RunNetOnce(net)` *instantiates* every operator, runs the net once and throws the operators away.
# * `CreateNet(net)` instantiates the operators once and keeps them in the workspace; `RunNet(name)`
#   then runs them as often as you like. This is how training loops run.

# %%
workspace.ResetWorkspace()
workspace.RunNetOnce(net)
print("blobs after RunNetOnce:", workspace.Blobs())
print("Y:\n", workspace.FetchBlob("Y"))

# %%
import time

workspace.CreateNet(net)
start = time.perf_counter()
for _ in range(1000):
    workspace.RunNet(net.Proto().name)
per_run = (time.perf_counter() - start) / 1000
start = time.perf_counter()
for _ in range(1000):
    workspace.RunNetOnce(net)
per_once = (time.perf_counter() - start) / 1000
print(f"RunNet: {per_run * 1e6:.1f} µs per run;  RunNetOnce: {per_once * 1e6:.1f} µs per run")

# %% [markdown]
# `RunNetOnce` is slower because it prepares every operator each time; `CreateNet` prepares them
# once (in graphlab it *compiles* the net: looks up each kernel, parses its arguments, resolves its
# blobs). Re-running a notebook cell that calls `CreateNet` on the same net is harmless.
#
# What running a net *means* fits on one screen: `RunNetOnce` goes through
# `graphlab/interpreter.py`, a loop that, for each operator, looks up its schema, parses its
# arguments, reads its input blobs, calls its kernel and stores the outputs. `CreateNet` + `RunNet`
# does exactly the same, faster, and the tests check they leave the very same blobs.
#
# ### Looking inside: the function `RunNet` calls
#
# The compiled net is one ordinary Python function with a line per operator: `_f0` is the first
# operator's kernel, `blobs` is the workspace's table of blobs. Nothing in this net reads `Y`, so
# the last operator may leave a *recipe* instead of the array (`recipes[...]`); `FetchBlob("Y")`
# computes it the moment you ask, so you never see the difference.

# %%
plan = workspace.CurrentWorkspaceObject().plan(net)
print(plan.source())

# %% [markdown]
# Each kernel checks the shapes and dtypes of its inputs before it computes; that is where the
# clear error messages come from. Notebook 2 shows how a training loop stops paying for those
# checks once nothing changes shape.

# %% [markdown]
# Note the net's name: names are unique in the process, so a second `core.Net("my_first_net")` is
# called `my_first_net_1`. That is why tutorials write `RunNet(net.Proto().name)`.

# %%
print(core.Net("my_first_net").Name())

# %% [markdown]
# ## What `run_once` means
#
# Old Caffe2 tutorials pass `run_once=0` to fillers inside a training net. In graphlab a filler fills
# **every time it runs** by default. With `run_once=1`, a filler in a net made by `CreateNet` fills on
# its *first* run only and keeps its value afterwards (`RunNetOnce` always fills, since its operators
# are new every time).

# %%
once = core.Net("run_once_demo")
once.GaussianFill([], "every_time", shape=[1], run_once=0)
once.GaussianFill([], "first_time_only", shape=[1], run_once=1)
workspace.CreateNet(once)
for step in range(3):
    workspace.RunNet(once.Name())
    print(step, "every_time:", workspace.FetchBlob("every_time"),
          " first_time_only:", workspace.FetchBlob("first_time_only"))

# %% [markdown]
# ## When something goes wrong
#
# Errors name the operator, its position in the net, the shapes of its inputs, the line of *your*
# code that created it, and a hint. Here we passed `b` where the weight `W` belongs:

# %%
bad = core.Net("bad_net")
bad.FC(["X", "b", "b"], "Y_bad")
try:
    workspace.RunNetOnce(bad)
except RuntimeError as err:
    print(err)

# %% [markdown]
# ## Summary
#
# * Blobs are named arrays in a workspace; `FeedBlob`/`FetchBlob` copy them in and out.
# * An operator reads and writes blobs by name; a net is a list of operators, declared first and run
#   later.
# * `RunNetOnce` builds and runs a net once; `CreateNet` + `RunNet` builds it once and runs it often.
# * `run_once=1` makes a filler in a created net fill only on its first run.
#
# ## Exercises
#
# 1. Add a `Relu` after the `FC` in `my_first_net` and draw the net again.
# 2. Feed `X` with shape `[4, 3]` instead of filling it. What do you have to remove from the net?
# 3. Make the `FC` fail on purpose with a wrong `W` shape and read the error: which line does it name?

# %% [markdown]
# # 1. Workspace, blobs and operators
#
# > **You will learn** what blobs, a workspace, operators and nets are, how to run a net once or
# > many times, what `run_once` means, how to read graphlab's error messages, and why re-running a
# > notebook cell can change a net.
# >
# > **You need** a little Python and NumPy (arrays, shapes, `@` for matrix products).
# >
# > **Time:** about 25 minutes.
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
import warnings

import numpy as np
from IPython import display

from graphlab import check, core, net_drawer, workspace

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
empty = core.Net("empty_net")
print(empty.Proto())

# %% [markdown]
# Every call returns a `BlobReference` — the name of the blob it will write. Calling an operator *on*
# a blob reference, as in `X.FC(...)`, puts that blob first in the inputs.

# %%
net = core.Net("my_first_net")
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
workspace.CreateNet(net)
for _ in range(3):
    workspace.RunNet(net.Proto().name)
print("ran the created net 3 times; Y is now:\n", workspace.FetchBlob("Y"))

# %% [markdown]
# Each run fills `X` and `W` with new random numbers, so `Y` changes from run to run. `RunNetOnce`
# prepares every operator each time it is called; `CreateNet` prepares them once (it looks up each
# operator's kernel, checks and parses its arguments, and finds its blobs), so `RunNet` only has to
# call them. Calling `CreateNet` again on the same, unchanged net is harmless.
#
# What does running a net actually do? Essentially a loop over its operators: look up the
# operator's kernel, read its input blobs, call it, store its outputs. The optional last notebook,
# *Under the hood*, shows that loop in graphlab's own code and how `CreateNet` makes it fast.

# %% [markdown]
# Note the net's name: names are unique in the process, so a second `core.Net("my_first_net")` is
# called `my_first_net_1`, a third `my_first_net_2`, and so on. That is why tutorials write
# `RunNet(net.Proto().name)`.

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
# ## A notebook pitfall: running a cell twice
#
# Jupyter lets you run any cell again, and you will. A cell that *appends* operators to a net that an
# earlier cell made appends them **again** on the second run: the net then does that work twice per
# run. With an `Iter` counter it counts two per step; with an update it updates twice. graphlab warns
# when a net gets an operator identical to one that *other* code added (two runs of a cell count as
# other code). Here the two lines stand for the same cell run twice:

# %%
counter = core.Net("counter")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    counter.Iter("it", "it")  # the cell's first run ...
    counter.Iter("it", "it")  # ... and its second run
print(caught[0].message)
print()
print(counter.summary())

# %% [markdown]
# The cure is to write each cell so that running it again rebuilds what it builds **from scratch**:
# a cell that adds to a net starts with `net = core.Net(...)` (every cell in these notebooks does).
# Running such a cell twice makes a new net (`counter_1`, `counter_2`, ...) each time, with each
# operator once. The same goes for blobs: a cell that reads and updates a blob should set it first.

# %%
counter = core.Net("counter")
counter.Iter("it", "it")
print(counter.summary())

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
# * A cell that adds to a net should build that net from scratch, so that running it twice is safe.
#
# ## Exercises
#
# Each exercise has a hint (click it), a solution in a collapsed cell (click the bar or the `⋯`
# beside it to open it) and, where it makes sense, a check that prints ✔ or what is still wrong.
#
# **1.** Build a net `relu_net` that fills `X` [2, 3], `W` [5, 3] and `b` [5] as in `my_first_net`
# and computes `Z = max(0, X·Wᵀ + b)`. Run it once, then check it:
# `check.relu_layer({n: workspace.FetchBlob(n) for n in ["X", "W", "b", "Z"]})`.
#
# <details><summary>Hint</summary>
#
# The `FC` writes an intermediate blob; a `Relu` reads it and writes `Z`. `X.FC([W, b], "Y")`
# returns a blob reference, and you can call `.Relu([], "Z")` on it.
# </details>

# %% [solution]
relu_net = core.Net("relu_net")
X = relu_net.GaussianFill([], "X", mean=0.0, std=1.0, shape=[2, 3])
W = relu_net.GaussianFill([], "W", mean=0.0, std=1.0, shape=[5, 3])
b = relu_net.ConstantFill([], "b", shape=[5], value=1.0)
Z = X.FC([W, b], "Y").Relu([], "Z")
workspace.RunNetOnce(relu_net)
check.relu_layer({n: workspace.FetchBlob(n) for n in ["X", "W", "b", "Z"]})

# %% [markdown]
# **2.** Make a net `fed_net` in which `X` is *fed* from outside instead of filled (so you can pass
# your own data, e.g. of shape [4, 3]), computing `Y = X·Wᵀ + b`. Check it with
# `check.fed_input_net(fed_net)`.
#
# <details><summary>Hint</summary>
#
# Leave out the `GaussianFill` that writes `X`. A blob that the net reads but no operator writes
# becomes an *external input* (`fed_net.Proto().external_input`); you `FeedBlob` it before running.
# </details>

# %% [solution]
fed_net = core.Net("fed_net")
W = fed_net.GaussianFill([], "W", mean=0.0, std=1.0, shape=[5, 3])
b = fed_net.ConstantFill([], "b", shape=[5], value=1.0)
fed_net.FC(["X", W, b], "Y")
print("external inputs:", fed_net.Proto().external_input)
workspace.FeedBlob("X", np.ones((4, 3), dtype=np.float32))
workspace.RunNetOnce(fed_net)
print("Y has shape", workspace.FetchBlob("Y").shape)
check.fed_input_net(fed_net)

# %% [markdown]
# **3.** Make an `FC` fail on purpose by giving it a weight of the wrong shape, and read the error.
# Which line of your code does it name, and which fix does it suggest?
#
# <details><summary>Hint</summary>
#
# `FC` needs `W` of shape [M, K] where K is the number of columns of `X`. Fill a `W` of shape
# [5, 4] and run with `X` of shape [2, 3].
# </details>

# %% [solution]
wrong = core.Net("wrong_w")
wrong.GaussianFill([], "X", shape=[2, 3])
wrong.GaussianFill([], "W", shape=[5, 4])  # 4 columns, but X has 3
wrong.ConstantFill([], "b", shape=[5], value=1.0)
wrong.FC(["X", "W", "b"], "Y")
try:
    workspace.RunNetOnce(wrong)
except RuntimeError as err:
    print(err)

# %% [markdown]
# The message names the operator (`FC`, op #3 of net `wrong_w`), the shapes of its inputs, the cell
# and line that created it, and what to change.
#
# ---
#
# **Next →** [2. A toy regression, step by step](02_toy_regression.ipynb)

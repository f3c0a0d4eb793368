# %% [markdown]
# # 6. Digits with Caffe2's LeNet
#
# > **You will learn** how to read images from a database with `TensorProtosDBInput`, what a
# > convolution and a pooling layer compute and what shapes they produce, how to build and train
# > LeNet with `brew`, how to measure it on digits it has never seen (a test net that shares the
# > trained parameters), how to look inside it (confusion matrix, filters, feature maps), and how
# > to export the trained model and load it somewhere else for prediction.
# >
# > **You need** notebook 5 (`ModelHelper`, `brew`, `build_sgd`).
# >
# > **Time:** about 40 minutes (training takes well under a minute).
#
# Caffe2's most popular tutorial after the toy regression trained **LeNet** — two convolutional
# layers and two fully connected ones — on MNIST, 70,000 handwritten digits downloaded from the
# internet. We do the same with no download: `graphlab.datasets` builds MNIST-shaped databases from
# the 1,797 small digits that ship with scikit-learn, enlarged to 28×28 pixels and centred the way
# MNIST centres its digits. The program below is the tutorial's program; only the data is smaller.

# %%
import os
import tempfile

import numpy as np
from matplotlib import pyplot as plt
from tqdm.auto import tqdm

from graphlab import brew, check, core, datasets, model_helper, optimizer, visualize, workspace
from graphlab.predictor import predictor_exporter as pe

home = "default"  # the workspace we train in; the export section opens a second one
workspace.SwitchWorkspace(home, True)
workspace.ResetWorkspace()
scratch = tempfile.TemporaryDirectory(prefix="graphlab_digits_")  # removed when the kernel stops
data_folder = scratch.name
paths = datasets.make_mnist_dbs(data_folder)
for split, path in paths.items():
    print(f"{split:>5}: {os.path.basename(path)}")

# %% [markdown]
# ## The data, as the database stores it
#
# Each database is an **lmdb** file of records. A record's key is its number (`"00000000"`,
# `"00000001"`, ...) and its value is a serialized `TensorProtos` message holding two tensors: a
# BYTE image `[1, 28, 28]` (one channel, values 0..255) and an INT32 label. The training database
# has 1,497 digits, the test database the other 300.
#
# The operator `TensorProtosDBInput` reads the next `batch_size` records on every run and stacks
# them: images `[N, 1, 28, 28]` (uint8, the **NCHW** layout — batch, channels, height, width) and
# labels `[N]`. When it reaches the end it starts again at the first record. It reads through a
# *DB reader* blob, which `ModelHelper` creates in `param_init_net` with `CreateDB`: running the
# init net again rewinds the reader.

# %%
peek = model_helper.ModelHelper(name="peek")
peek.TensorProtosDBInput([], ["data_uint8", "label"], batch_size=32,
                         db=paths["train"], db_type="lmdb")
print("param_init_net:", [op.type for op in peek.param_init_net.Proto().op])
workspace.RunNetOnce(peek.param_init_net)
workspace.RunNetOnce(peek.net)
images = workspace.FetchBlob("data_uint8")
labels = workspace.FetchBlob("label")
print("images:", images.dtype, images.shape, "  labels:", labels.dtype, labels.shape)

fig, ax = plt.subplots(figsize=(5, 5))
visualize.NCHW.ShowMultiple(images, ncols=8, ax=ax)
ax.set_title("32 training digits, as read from the DB")
print("their labels, row by row:")
print(labels.reshape(4, 8))

# %% [markdown]
# ## From bytes to numbers: `Cast` and `Scale`
#
# The network computes in float32, and works best on small inputs. Two operators convert the batch:
#
# $$x = \tfrac{1}{256}\,\mathrm{float}(u), \qquad u \in \{0, \dots, 255\} \;\Rightarrow\; x \in [0, 1).$$
#
# `Cast(to=FLOAT)` changes the type, `Scale(scale=1/256)` multiplies. Then `StopGradient`: the
# input is data, not something to learn, so the backward pass need not go past it.

# %%
def add_input(model, batch_size, db):
    """Read a batch of digits from ``db``; return ``data`` (float [N, 1, 28, 28] in [0, 1))
    and ``label`` (int32 [N])."""
    data_uint8, label = model.TensorProtosDBInput(
        [], ["data_uint8", "label"], batch_size=batch_size, db=db, db_type="lmdb")
    data = model.Cast(data_uint8, "data", to=core.DataType.FLOAT)
    data = model.Scale(data, data, scale=float(1.0 / 256))
    data = model.StopGradient(data, data)
    return data, label


peek = model_helper.ModelHelper(name="peek")
add_input(peek, batch_size=32, db=paths["train"])
workspace.RunNetOnce(peek.param_init_net)
workspace.RunNetOnce(peek.net)
data = workspace.FetchBlob("data")
print("data:", data.dtype, data.shape, f"values in [{data.min():.3f}, {data.max():.3f}]")

# %% [markdown]
# ## The layers of LeNet, and their shapes
#
# **Convolution.** A conv layer with $M$ filters of size $k \times k$ over $C$ input channels has a
# weight $W$ `[M, C, k, k]` and a bias $b$ `[M]`. Output channel $m$ at position $(i, j)$ is the dot
# product of filter $m$ with the $k \times k$ patch of the input under it (stride $s$, zero padding $p$):
#
# $$Y_{n,m,i,j} = b_m + \sum_{c=0}^{C-1}\sum_{u=0}^{k-1}\sum_{v=0}^{k-1}
#   W_{m,c,u,v}\; X_{n,\,c,\,s i + u - p,\,s j + v - p}.$$
#
# The same filter slides over the whole image, so a conv layer has few parameters and finds a
# pattern wherever it is. The output size follows from how many positions the filter fits in:
#
# $$H_\text{out} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1 .$$
#
# **Max pooling** with a $2\times 2$ window and stride 2 keeps the largest value of each window, in
# each channel separately: $Y_{n,c,i,j} = \max_{u,v \in \{0,1\}} X_{n,c,2i+u,2j+v}$. The same formula
# gives its size (here it halves height and width); it has no parameters.
#
# For a 28×28 digit (stride 1, no padding in the convolutions):
#
# | layer | operator | output shape | parameters |
# |---|---|---|---|
# | `conv1` | Conv, 20 filters 5×5 | `[N, 20, 24, 24]` (28 − 5 + 1 = 24) | 20·1·5·5 + 20 = 520 |
# | `pool1` | MaxPool 2×2, stride 2 | `[N, 20, 12, 12]` | — |
# | `conv2` | Conv, 50 filters 5×5 | `[N, 50, 8, 8]` (12 − 5 + 1 = 8) | 50·20·5·5 + 50 = 25,050 |
# | `pool2` | MaxPool 2×2, stride 2 | `[N, 50, 4, 4]` | — |
# | `fc3` | FC 800 → 500 (then Relu) | `[N, 500]` | 800·500 + 500 = 400,500 |
# | `pred` | FC 500 → 10 | `[N, 10]` | 500·10 + 10 = 5,010 |
# | `softmax` | Softmax | `[N, 10]` | — |
#
# `FC` flattens `[N, 50, 4, 4]` to `[N, 800]` by itself, which is why `fc3` has `dim_in=50 * 4 * 4`.

# %%
def add_lenet(model, data):
    """LeNet: two conv + max-pool stages, then two fully connected layers; returns the
    class probabilities ``softmax`` [N, 10]."""
    conv1 = brew.conv(model, data, "conv1", dim_in=1, dim_out=20, kernel=5)
    pool1 = brew.max_pool(model, conv1, "pool1", kernel=2, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
    pool2 = brew.max_pool(model, conv2, "pool2", kernel=2, stride=2)
    fc3 = brew.fc(model, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    relu3 = brew.relu(model, fc3, "relu3")
    pred = brew.fc(model, relu3, "pred", dim_in=500, dim_out=10)
    return brew.softmax(model, pred, "softmax")


shapes = model_helper.ModelHelper(name="lenet_shapes")
add_lenet(shapes, add_input(shapes, batch_size=32, db=paths["train"])[0])
workspace.RunNetOnce(shapes.param_init_net)
workspace.RunNetOnce(shapes.net)
for blob in ["data", "conv1", "pool1", "conv2", "pool2", "fc3", "pred", "softmax"]:
    print(f"{blob:>8}: {list(workspace.FetchBlob(blob).shape)}")
n_params = sum(workspace.FetchBlob(str(p)).size for p in shapes.params)
print(f"parameters: {[str(p) for p in shapes.params]}")
print(f"{n_params:,} numbers in all")

# %% [markdown]
# ## Loss and accuracy
#
# `Softmax` turns the ten scores $z$ of a digit into probabilities, and `LabelCrossEntropy` takes
# minus the log of the probability given to the right class $y$:
#
# $$p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}, \qquad
#   \ell = -\log p_{y}, \qquad L = \frac{1}{N}\sum_{n=1}^{N} \ell_n \;\;(\texttt{AveragedLoss}).$$
#
# A model that guesses (every $p_k = 0.1$) has loss $\log 10 \approx 2.30$; a perfect one, 0. The
# gradient with respect to the scores is simple: $\partial \ell / \partial z_k = p_k - [k = y]$.
# `Accuracy` counts the digits whose largest probability is at the right class; it has no gradient
# and is only for us.
#
# Two models share one set of parameters, as in Caffe2's tutorial:
#
# * the **training model** reads batches of 32 training digits and has the loss, the gradients
#   and the update (SGD with momentum 0.9);
# * the **test model** reads batches of 100 test digits and has only the forward pass. It is made
#   with `init_params=False`: its `param_init_net` creates the DB reader but no parameters, so it
#   uses the blobs `conv1_w`, `conv1_b`, ... that the training model trains, by name.

# %%
def add_loss_and_accuracy(model, softmax, label):
    xent = model.LabelCrossEntropy([softmax, label], "xent")
    loss = model.AveragedLoss(xent, "loss")
    brew.accuracy(model, [softmax, label], "accuracy")
    return loss


train_model = model_helper.ModelHelper(name="lenet_train")
data, label = add_input(train_model, batch_size=32, db=paths["train"])
loss = add_loss_and_accuracy(train_model, add_lenet(train_model, data), label)
train_model.AddGradientOperators([loss])
optimizer.build_sgd(train_model, base_learning_rate=0.02, momentum=0.9)

test_model = model_helper.ModelHelper(name="lenet_test", init_params=False)
data, label = add_input(test_model, batch_size=100, db=paths["test"])
add_loss_and_accuracy(test_model, add_lenet(test_model, data), label)

print(f"training net: {len(train_model.net.Proto().op)} ops;  test net: "
      f"{len(test_model.net.Proto().op)} ops")
print("test model's init net:", [op.type for op in test_model.param_init_net.Proto().op])

# %% [markdown]
# ## Training
#
# 120 steps of 32 digits is about two and a half passes over the training set. Every 20 steps we
# run the test net three times — three batches of 100, the whole test set — and average its loss
# and accuracy. The test digits never reach the update: the test net has no gradient ops.

# %%
def evaluate(test_net, batches=3):
    """Mean loss and accuracy of the current parameters over ``batches`` test batches."""
    losses, accuracies = [], []
    for _ in range(batches):
        workspace.RunNet(test_net)
        losses.append(float(workspace.FetchBlob("loss")))
        accuracies.append(float(workspace.FetchBlob("accuracy")))
    return np.mean(losses), np.mean(accuracies)


workspace.ResetWorkspace()
workspace.SetRandomSeed(0)  # the same initial weights every time the cell runs
workspace.RunNetOnce(train_model.param_init_net)
workspace.RunNetOnce(test_model.param_init_net)
workspace.CreateNet(train_model.net)
workspace.CreateNet(test_model.net)

steps, test_every = 120, 20
train_loss, train_acc = np.zeros(steps), np.zeros(steps)
loss_0, acc_0 = evaluate(test_model.net)  # before any training: a guess
test_steps, test_loss, test_acc = [0], [loss_0], [acc_0]
for i in tqdm(range(steps), desc="training LeNet"):
    workspace.RunNet(train_model.net)
    train_loss[i] = workspace.FetchBlob("loss")
    train_acc[i] = workspace.FetchBlob("accuracy")
    if (i + 1) % test_every == 0:
        loss_i, acc_i = evaluate(test_model.net)
        test_steps.append(i + 1)
        test_loss.append(loss_i)
        test_acc.append(acc_i)
print(f"test accuracy after {steps} steps: {test_acc[-1]:.3f}")

# %% [markdown]
# Each training point is one batch of 32, so the training curves are noisy: we draw them faint, with
# a lightly smoothed line (an exponential moving average, β = 0.6) on top. Each test point is the
# whole test set, so those are drawn as they are. The loss is on a log scale.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
step_axis = np.arange(1, steps + 1)
ax1.plot(step_axis, train_loss, color="C0", alpha=0.3)
ax1.plot(step_axis, visualize.ema(train_loss, beta=0.6), color="C0", label="train (one batch)")
ax1.plot(test_steps, test_loss, "o-", color="C1", label="test (all 300 digits)")
ax1.set(yscale="log", xlabel="training step", ylabel="cross-entropy loss (log scale)",
        title="loss")
ax2.plot(step_axis, train_acc, color="C0", alpha=0.3)
ax2.plot(step_axis, visualize.ema(train_acc, beta=0.6), color="C0", label="train (one batch)")
ax2.plot(test_steps, test_acc, "o-", color="C1", label="test (all 300 digits)")
ax2.axhline(0.95, color="gray", linestyle=":", label="95%")
ax2.set(xlabel="training step", ylabel="accuracy", ylim=(0, 1.02), title="accuracy")
for ax in (ax1, ax2):
    ax.grid(True, alpha=0.3)
    ax.legend()
plt.tight_layout()

# %% [markdown]
# ## Which digits does it confuse?
#
# A **confusion matrix** counts, over the test set, how often a digit of true class $i$ (row) was
# predicted as class $j$ (column). A perfect model puts all 300 on the diagonal.

# %%
true_labels, predicted = [], []
for _ in range(3):  # the whole test set, 3 batches of 100
    workspace.RunNet(test_model.net)
    true_labels.append(workspace.FetchBlob("label"))
    predicted.append(workspace.FetchBlob("softmax").argmax(axis=1))
true_labels, predicted = np.concatenate(true_labels), np.concatenate(predicted)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (true_labels, predicted), 1)

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(j, i, confusion[i, j], ha="center", va="center",
                    color="white" if confusion[i, j] > confusion.max() / 2 else "black")
ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit",
       title=f"test set: {np.trace(confusion)} of {confusion.sum()} right")
print("accuracy:", np.trace(confusion) / confusion.sum())

# %% [markdown]
# ## Inside the network: filters and feature maps
#
# The 20 filters of `conv1` are 5×5 images themselves (`conv1_w` is `[20, 1, 5, 5]`, NCHW with
# one channel). `visualize.NCHW.ShowSingle` draws one; each is scaled on its own, so that its
# most negative weight is black and its most positive white. After only 120 steps they are still
# close to their random start, but several already show a light-against-dark edge.

# %%
filters = workspace.FetchBlob("conv1_w")
fig, axes = plt.subplots(2, 10, figsize=(10, 2.6))
for m, ax in enumerate(axes.flat):
    visualize.NCHW.ShowSingle(filters[m], ax=ax)
    ax.set_title(f"filter {m}", fontsize=9)
fig.suptitle("the 20 learned 5×5 filters of conv1 (black: negative, white: positive)")
plt.tight_layout()

# %% [markdown]
# A **feature map** is one output channel of a conv layer: filter $m$ slid over the image. For one
# test digit, `visualize.NCHW.ShowChannels` shows all 20 maps of `conv1` (24×24 each) and all 50 of
# `conv2` (8×8 each). Bright means the filter matched there. `ShowMultiple(conv1[:, [5]])` does it
# the other way round: channel 5 for many digits.

# %%
digit = workspace.FetchBlob("data")[:1]  # the first digit of the last test batch
probe = model_helper.ModelHelper(name="lenet_probe", init_params=False)
add_lenet(probe, "digit")  # the forward pass alone, on a blob we fill
workspace.FeedBlob("digit", digit)
workspace.RunNetOnce(probe.net)
fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(13, 3.8),
                                    gridspec_kw={"width_ratios": [1, 1.6, 2.2]})
visualize.NCHW.ShowSingle(digit[0], ax=ax0)
ax0.set_title(f"input, predicted: {workspace.FetchBlob('softmax').argmax()}")
visualize.NCHW.ShowChannels(workspace.FetchBlob("conv1")[0], ncols=5, ax=ax1)
ax1.set_title("conv1: 20 feature maps, 24×24")
visualize.NCHW.ShowChannels(workspace.FetchBlob("conv2")[0], ncols=10, ax=ax2)
ax2.set_title("conv2: 50 feature maps, 8×8")
plt.tight_layout()

# %%
workspace.RunNet(test_model.net)  # a full test batch again
fig, ax = plt.subplots(figsize=(5, 5))
visualize.NCHW.ShowMultiple(workspace.FetchBlob("conv1")[:36, [5]], ncols=6, ax=ax)
ax.set_title("conv1 channel 5, for 36 test digits");

# %% [markdown]
# ## Export the model, and load it somewhere else
#
# To use the model in another program we need only its forward pass and its trained parameters —
# no DB reader, no loss, no gradients, no update. Caffe2's answer is a **deploy model** (the same
# `add_lenet` on an input blob `data` that the caller fills) and the **predictor exporter**:
#
# * `PredictorExportMeta` names the prediction net, its parameters, its inputs and its outputs;
# * `save_to_db` writes the parameters' current values *and* the nets into one minidb file;
# * `prepare_prediction_net` reads that file in any workspace — here a fresh one, which has
#   never seen our training — loads the parameters and returns the prediction net, ready to run.

# %%
deploy_model = model_helper.ModelHelper(name="lenet_deploy", init_params=False)
add_lenet(deploy_model, "data")
meta = pe.PredictorExportMeta(
    predict_net=deploy_model.net.Proto(),
    parameters=[str(p) for p in deploy_model.params],
    inputs=["data"],
    outputs=["softmax"],
)
model_file = os.path.join(data_folder, "lenet_digits.minidb")
workspace.FeedBlob("data", np.zeros((1, 1, 28, 28), dtype=np.float32))  # input shape: one digit
pe.save_to_db("minidb", model_file, meta)
print(f"saved {os.path.getsize(model_file):,} bytes to {os.path.basename(model_file)}")
print("parameters in the file:", meta.parameters)

# %% [markdown]
# Twelve held-out digits from the test set, then a fresh workspace called `"deploy"`:

# %%
held_out_data = workspace.FetchBlob("data_uint8")[-12:]  # uint8, as the DB stores them
held_out_labels = workspace.FetchBlob("label")[-12:]

workspace.SwitchWorkspace("deploy", True)
workspace.ResetWorkspace()
print("blobs in the fresh workspace:", workspace.Blobs())
predict_net = pe.prepare_prediction_net(model_file, "minidb")
print("after loading:", workspace.Blobs())

workspace.FeedBlob("data", held_out_data.astype(np.float32) / 256)  # Cast and Scale, by hand
workspace.RunNetOnce(predict_net)
probabilities = workspace.FetchBlob("softmax")
workspace.SwitchWorkspace(home)

fig, axes = plt.subplots(2, 6, figsize=(10, 4))
for ax, image, p, truth in zip(axes.flat, held_out_data, probabilities, held_out_labels):
    visualize.NCHW.ShowSingle(image, ax=ax)
    guess = p.argmax()
    ax.set_title(f"{guess} ({p[guess]:.0%})", color="green" if guess == truth else "red")
fig.suptitle("the reloaded model's guesses (probability in brackets; red = wrong)")
plt.tight_layout()

# %% [markdown]
# ## Summary
#
# * `TensorProtosDBInput` reads batches of records from a DB; `Cast` and `Scale` turn bytes into
#   floats in [0, 1).
# * A conv layer slides $M$ filters $k\times k$ over the image: $H_\text{out} = \lfloor (H + 2p - k)/s
#   \rfloor + 1$. Max pooling keeps each window's largest value.
# * `brew.conv`, `brew.max_pool`, `brew.fc`, `brew.relu`, `brew.softmax` build LeNet and its
#   parameters; the loss is softmax cross-entropy.
# * A test model made with `init_params=False` shares the trained parameters by name and measures
#   them on digits the update never sees.
# * The predictor exporter saves the forward pass and the parameters in one file, which
#   `prepare_prediction_net` turns back into a runnable net in any workspace.
#
# ## Exercises
#
# **1.** Caffe2's tutorial used no padding. The original LeNet padded its first convolution by 2
# pixels on each side. With `pad=2` on `conv1` only, what is the shape of `conv1`'s output for a
# batch of 32 digits? Check it with `check.layer_shape(answer, "Conv", [32, 1, 28, 28],
# dim_out=20, kernel=5, pad=2)`; then work out `pool2`'s shape, and the `dim_in` that `fc3` would need.
#
# <details><summary>Hint</summary>
#
# $H_\text{out} = \lfloor (H + 2p - k)/s \rfloor + 1$ with $H = 28$, $p = 2$, $k = 5$, $s = 1$. The
# batch size and the number of filters are the first two numbers of the shape. The pooling layers
# halve; the second conv (no padding) takes 4 off.
# </details>

# %% [solution]
conv1_shape = [32, 20, (28 + 2 * 2 - 5) // 1 + 1, (28 + 2 * 2 - 5) // 1 + 1]  # [32, 20, 28, 28]
check.layer_shape(conv1_shape, "Conv", [32, 1, 28, 28], dim_out=20, kernel=5, pad=2)
pool1_shape = [32, 20, 14, 14]
conv2_shape = [32, 50, 10, 10]
pool2_shape = [32, 50, 5, 5]
check.layer_shape(pool2_shape, "MaxPool", conv2_shape, kernel=2, stride=2)
print("fc3 would need dim_in =", 50 * 5 * 5)

# %% [markdown]
# **2.** Which pair of digits does the model confuse most often? Find the largest entry of
# `confusion` off the diagonal, and show the test digits of that kind with their images.
#
# <details><summary>Hint</summary>
#
# Copy the matrix and set its diagonal to zero (`np.fill_diagonal`), then `np.unravel_index` of
# the `argmax`. The test images are in the same order as `true_labels` and `predicted`: run the
# test net three times again and keep `data_uint8`.
# </details>

# %% [solution]
off_diagonal = confusion.copy()
np.fill_diagonal(off_diagonal, 0)
true_digit, guessed_digit = np.unravel_index(off_diagonal.argmax(), off_diagonal.shape)
print(f"most often: a {true_digit} taken for a {guessed_digit} "
      f"({off_diagonal.max()} of the {len(true_labels)} test digits)")
test_images = []
for _ in range(3):
    workspace.RunNet(test_model.net)
    test_images.append(workspace.FetchBlob("data_uint8"))
test_images = np.concatenate(test_images)
mistakes = test_images[(true_labels == true_digit) & (predicted == guessed_digit)]
fig, ax = plt.subplots(figsize=(1.2 * len(mistakes) + 1, 1.8))
visualize.NCHW.ShowMultiple(mistakes, ncols=len(mistakes), ax=ax)
ax.set_title(f"{true_digit}s predicted as {guessed_digit}");

# %% [markdown]
# **3.** A convolution finds a pattern wherever it is, but LeNet is not fully shift-invariant: the
# fully connected layers see *where* things are. Shift the twelve held-out digits 3 pixels to the
# right (`np.roll(..., 3, axis=3)`; the digits have a 4-pixel empty border, so nothing falls off)
# and run them through the exported model again in the `"deploy"` workspace. How many does it
# still get right?
#
# <details><summary>Hint</summary>
#
# `workspace.SwitchWorkspace("deploy")`, `FeedBlob("data", shifted / 256)`, `RunNetOnce(predict_net)`,
# fetch `softmax`, then switch back with `workspace.SwitchWorkspace(home)`.
# </details>

# %% [solution]
shifted = np.roll(held_out_data, 3, axis=3).astype(np.float32)
workspace.SwitchWorkspace("deploy")
workspace.FeedBlob("data", shifted / 256)
workspace.RunNetOnce(predict_net)
shifted_guesses = workspace.FetchBlob("softmax").argmax(axis=1)
workspace.SwitchWorkspace(home)
print("labels:          ", held_out_labels)
print("unshifted guesses:", probabilities.argmax(axis=1))
print("shifted guesses:  ", shifted_guesses)
print(f"right after the shift: {(shifted_guesses == held_out_labels).sum()} of 12")

# %% [markdown]
# Many do not. Each max-pooling layer forgives a shift of a pixel or so, but three pixels is
# more than that, and the fully connected layers learned where strokes sit in *centred* digits.
# The usual remedy is to train on shifted copies too (*data augmentation*).
#
# ---
#
# **Next →** [7. Write your own operator](07_write_your_own_operator.ipynb)

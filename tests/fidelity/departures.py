"""The one table of documented departures from real Caffe2 (1.4, PyTorch 1.4.0's wheel).

The fidelity tests (tests/fidelity/) compare graphlab with Caffe2 and fail on any difference
that no entry here lists; an entry that matches no difference any more fails too.
``where`` holds glob patterns over difference keys (``area:subject:field``, see
fidelity_lib.py); the first entry that matches a key owns it. docs/caffe2-compatibility.md
mirrors this table row for row (tests/fidelity/test_departures.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Departure:
    """One documented difference: a short id, the keys it covers, and why."""

    id: str
    where: tuple[str, ...]
    reason: str


DEPARTURES: list[Departure] = [
    # ---- printing ------------------------------------------------------------------------
    Departure(
        "float-text-python-printer",
        ("print:*:str", "print:*:op-str"),
        "Caffe2's str(op) and str(net.Proto()) come from the C++ protobuf backend, which "
        "prints a float32 argument at double precision (f: -0.10000000149011612). graphlab "
        "prints the shortest text that reads back as the same float32 (f: -0.1), exactly "
        "as protobuf's Python text_format.MessageToString prints the same Caffe2 proto; the "
        "text comparison against text_format is strict, so this is the only difference.",
    ),
    Departure(
        "brew-gpu-arg-scope",
        ("print:models/*/train:text", "model:models/*/train:ops"),
        "Caffe2's ModelHelper gives every brew op the arguments order=\"NCHW\", "
        "use_cudnn=1 and cudnn_exhaustive_search=0 (and Relu engine \"CUDNN\"): settings "
        "for GPU kernels. graphlab has no GPU and leaves them out, so every argument a "
        "learner reads changes what the op computes. The same nets with those removed "
        "from Caffe2's print and compare equal.",
    ),
    Departure(
        "brew-sigmoid",
        ("model:models/brew.sigmoid:*",),
        "Caffe2 1.4's brew has tanh but no sigmoid helper (one writes model.net.Sigmoid); "
        "graphlab adds brew.sigmoid beside brew.tanh so the activations a course compares "
        "are built the same way.",
    ),
    # ---- what Caffe2 1.4 really did --------------------------------------------------------
    Departure(
        "run-once-honoured",
        ("finding:run_once/*",),
        "Caffe2 1.4 ignores run_once: a filler with run_once=1 in a created net fills "
        "again on every RunNet. graphlab honours run_once=1 (fills on the first run only), "
        "the meaning the old tutorials and the seed's comments describe.",
    ),
    Departure(
        "int32-iter-counter",
        ("forward:Iter/int32-keeps-dtype:*", "forward:LearningRate/*int32*:*"),
        "Caffe2 1.4's Iter re-allocates an int32 counter (the seed's ITER) as int64 "
        "without copying it, so it counts on from whatever memory held (often ~1e14: the "
        "learning rate becomes -0.0 and the seed never trains), and LearningRate refuses "
        "an int32 counter. graphlab keeps the int32 and counts 1, 2, 3 as the tutorial "
        "shows.",
    ),
    # ---- gradients -------------------------------------------------------------------------
    Departure(
        "in-place-gradient-refused",
        ("gradient:Mul/inplace*:raises", "gradient:Sqr/inplace*:raises",
         "gradient:Log/inplace*:raises", "gradient:Abs/inplace*:raises"),
        "When Mul, Sqr, Log or Abs overwrote their input, the gradient needs the lost "
        "value: Caffe2 silently reads the output in its place and computes a wrong "
        "gradient. graphlab raises a GradientError that says which blob to rename.",
    ),
    Departure(
        "sqr-gradient-keeps-dY",
        ("gradient:Sqr/*:ops", "gradient:Sqr/*:values:out0_grad"),
        "Caffe2's Sqr gradient scales the incoming gradient in place (Scale(Y_grad) -> "
        "Y_grad), so after the run Y_grad holds 2·dY, not Y's gradient. graphlab emits the "
        "same two ops but writes the Scale into X_grad (Scale(Y_grad) -> X_grad, then "
        "Mul(X_grad, X) -> X_grad), so every gradient blob keeps its meaning.",
    ),
    Departure(
        "matmul-gradient-axis",
        ("gradient:MatMul/axis_a-*:*", "gradient:MatMul/axis_b-*:*"),
        "Caffe2's MatMul gradient always passes axis_a=1/axis_b=1 to its two MatMul ops, "
        "so with the forward's axis_a or axis_b other than 1 it fails (dimension mismatch). "
        "graphlab emits the same ops with the forward's axis, which gives the right "
        "gradient.",
    ),
    Departure(
        "weightedsum-gradient-shape",
        ("gradient:WeightedSum/*:shape:*",),
        "Caffe2's WeightedSumGradient shapes every dX_i like dY (only sizes must match); "
        "graphlab shapes dX_i like X_i, so a gradient always has its blob's shape and the "
        "update X_i += lr·dX_i keeps X_i's shape.",
    ),
    Departure(
        "spatialbn-test-gradient",
        ("gradient:SpatialBN/test*:values:*",),
        "Caffe2's SpatialBNGradient with is_test=1 gets the running mean and variance but "
        "reads the variance as if it were the saved inverse std and applies the training "
        "formula, so its X_grad and scale_grad are not the derivative of the test-mode "
        "output. graphlab emits the same op with the same inputs and computes the true "
        "derivative, X_grad = scale·dY/sqrt(var + epsilon) (checked by finite differences).",
    ),
    # ---- outputs Caffe2 left unwritten -----------------------------------------------------
    Departure(
        "dropout-test-mask",
        ("forward:Dropout/test-mode*:*:out1",),
        "Caffe2's Dropout with is_test=1 leaves its optional mask output unwritten (an "
        "empty tensor, or whatever an earlier run left there); graphlab writes an all-True "
        "mask shaped like X, so the blob always means which elements were kept.",
    ),
    # ---- inputs Caffe2 refused -------------------------------------------------------------
    Departure(
        "fill-values-converted",
        ("forward:ConstantFill/int-value-float-dtype:*",
         "forward:ConstantFill/string-from-value:*",
         "forward:GivenTensorFill/dtype-int64:*",
         "forward:GivenTensorFill/int-values-converted:*"),
        "Caffe2 reads a filler's value(s) only from the protobuf field matching the dtype: "
        "ConstantFill(value=3, dtype=FLOAT) and a string value without dtype=STRING are "
        "refused, and GivenTensorFill with int values for a float blob (or float values "
        "with dtype INT64) finds no values and aborts the whole process. graphlab converts "
        "the values to the dtype asked for, as it converts every argument.",
    ),
    Departure(
        "labels-int64",
        ("forward:LabelCrossEntropy/int64-labels:*",),
        "Caffe2 requires int32 labels; graphlab also takes int64 labels (NumPy's default "
        "integer type), with the same result.",
    ),
    Departure(
        "cross-entropy-1d",
        ("forward:CrossEntropy/1d:*",),
        "Caffe2's CrossEntropy needs a 2-D X; graphlab also takes a 1-D X as one sample.",
    ),
    Departure(
        "softmax-in-place",
        ("forward:Softmax/inplace:*",),
        "Caffe2's schema forbids Softmax in place; graphlab allows it (its gradient reads "
        "only the output, so nothing is lost).",
    ),
    Departure(
        "mutex-placeholder",
        ("forward:CreateMutex/*", "forward:AtomicIter/mutex-ignored:*"),
        "Caffe2's mutex is an opaque C++ object (FetchBlob gives a description string). "
        "graphlab runs one op at a time and needs no lock: CreateMutex stores a 0 "
        "placeholder and AtomicIter accepts any blob as its mutex.",
    ),
    Departure(
        "npz-checkpoints",
        ("forward:Save/*:raises", "forward:Load/*:raises"),
        "graphlab's Save/Load default to db_type=\"npz\" (a NumPy file anyone can open); "
        "Caffe2 has no default db_type and no npz format.",
    ),
    # ---- workspace and nets ----------------------------------------------------------------
    Departure(
        "arguments-checked-at-creation",
        ("workspace:workspace/misspelt argument:*",
         "workspace:workspace/int where float is read:*"),
        "Caffe2 ignores an unknown (misspelt) argument and refuses an int where the op "
        "reads a float (std=1), but only when the op runs. graphlab checks arguments when "
        "the op is created: a misspelt name is an ArgumentError (a RuntimeError) on the "
        "line that made it, with a did-you-mean; an int where a float is read is converted.",
    ),
    Departure(
        "create-net-again",
        ("workspace:workspace/CreateNet again:*",),
        "Caffe2 refuses to create a net whose name it already has ('I respectfully refuse "
        "to overwrite'). graphlab makes creating the identical net again a no-op, so a "
        "re-run notebook cell works; a changed net with the same name needs overwrite=True.",
    ),
    Departure(
        "blobs-only-with-values",
        ("workspace:workspace/Blobs after CreateNet:*",),
        "Caffe2's CreateNet makes an empty blob for every output of the net, so Blobs() "
        "lists them before anything ran. graphlab lists only blobs that hold a value; "
        "fetching one that was never written is the missing-blob error, not an empty message.",
    ),
    Departure(
        "gradient-of-one-blob",
        ("workspace:workspace/AddGradientOperators one blob:*",),
        "Caffe2's AddGradientOperators needs a list or dict of blobs (a single blob is a "
        "TypeError); graphlab also accepts a single blob, the form learners try first.",
    ),
    Departure(
        "external-output-error-class",
        ("workspace:workspace/AddExternalOutput not made here:*",),
        "Adding an external output the net does not make is an AssertionError in Caffe2 "
        "(a bare assert); graphlab raises a ValueError that names the net and the blob.",
    ),
    # ---- the ops added for issue 15 item 5 and the Python op ------------------------
    Departure(
        "python-op-process-local",
        ("forward:Python/*",),
        "A Python op runs a function registered in the process that called net.Python; "
        "Caffe2's process has not registered graphlab's test function, so it refuses the "
        "op. tests/test_python_op.py runs one program (with the Python_Op tutorial's "
        "calls) in both systems instead: they print the same nets and numbers.",
    ),
    Departure(
        "gather-dense-gradient",
        ("gradient:Gather/*:ops",),
        "Caffe2 gives Gather a sparse gradient: no op, and a GradientSlice(indices, dY) "
        "in the gradient map for sparse optimizers. graphlab has dense gradients only, so "
        "it emits Caffe2's own SparseToDense(indices, dY, data), whose values equal "
        "Caffe2's slice made dense (tests/fidelity/test_more_ops.py compares them).",
    ),
    Departure(
        "sparse-to-dense-nd-indices",
        ("forward:SparseToDense/2d-indices:raises",),
        "Caffe2's SparseToDense takes 1-D indices only; graphlab's also takes the n-D "
        "indices of Gather, whose gradient it is, so Gather with a matrix of indices can "
        "be trained.",
    ),
    Departure(
        "layer-norm-float64-gradient",
        ("gradient:LayerNorm/*:run",),
        "Caffe2 1.4's LayerNormGradient has a float kernel only and refuses float64; "
        "graphlab computes it in float64 too (gradient checks need it). In float32 both "
        "agree (tests/fidelity/test_more_ops.py).",
    ),
    # ---- learning-rate policies ------------------------------------------------------------
    Departure(
        "slope-policy",
        ("schedule:schedules/slope#*",),
        "Caffe2 1.4 does not know the 'slope' policy (it came to Caffe2 later); graphlab "
        "has it, with the later formula.",
    ),
    Departure(
        "cyclical-fractional-decay",
        ("schedule:schedules/cyclical#*:missing",),
        "Caffe2 1.4's cyclical policy reads decay as an integer and refuses decay=0.9; "
        "graphlab takes the float it means (with an integer decay both agree, as tested).",
    ),
]

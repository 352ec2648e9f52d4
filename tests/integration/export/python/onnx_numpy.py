"""A small ONNX interpreter in NumPy, to evaluate the files aelab_torch.py exports.

onnxruntime is not packaged by Debian and onnx 1.12 has no reference evaluator (onnx.reference
came with 1.13), so the tests evaluate the ONNX graph here: node by node, from the file's own
initializers and attributes, in float64, without torch. Only the operators (and attribute
values) that aelab models export to are implemented; anything else is an error rather than a
guess, so a graph this cannot follow fails the test instead of passing by accident.
"""
import numpy as np
from onnx import helper, numpy_helper


class Unsupported(Exception):
    pass


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _expect(node, attrs, name, allowed):
    if name in attrs and attrs[name] not in allowed:
        raise Unsupported(f"{node.op_type} {node.name}: {name} = {attrs[name]!r}")


def _pad_spatial(x, pads, value):
    # pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over the spatial axes.
    k = len(pads) // 2
    if any(p < 0 for p in pads):
        raise Unsupported(f"negative pads {pads}")
    width = [(0, 0)] * (x.ndim - k) + [(pads[i], pads[i + k]) for i in range(k)]
    return np.pad(x, width, mode="constant", constant_values=value)


def _windows(x, kernel, strides, dilations):
    # x [N, C, H, W] (already padded) -> [N, C, kh, kw, Ho, Wo]
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilations
    ho = (h - dh * (kh - 1) - 1) // sh + 1
    wo = (w - dw * (kw - 1) - 1) // sw + 1
    out = np.empty((n, c, kh, kw, ho, wo), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i, j] = x[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh,
                                j * dw: j * dw + sw * (wo - 1) + 1: sw]
    return out


def _spatial_attrs(node, attrs, kernel):
    _expect(node, attrs, "auto_pad", (b"NOTSET", "NOTSET"))
    _expect(node, attrs, "ceil_mode", (0,))
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    strides = list(attrs.get("strides", [1, 1]))
    dilations = list(attrs.get("dilations", [1, 1]))
    if len(kernel) != 2:
        raise Unsupported(f"{node.op_type}: only 2-D kernels, got {kernel}")
    return pads, strides, dilations


def _conv(node, attrs, x, w, b=None):
    _expect(node, attrs, "group", (1,))
    pads, strides, dilations = _spatial_attrs(node, attrs, list(w.shape[2:]))
    cols = _windows(_pad_spatial(x, pads, 0.0), w.shape[2:], strides, dilations)
    y = np.einsum("ncijhw,ocij->nohw", cols, w)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _conv_transpose(node, attrs, x, w, b=None):
    _expect(node, attrs, "group", (1,))
    if "output_shape" in attrs:
        raise Unsupported("ConvTranspose with output_shape")
    pads, strides, dilations = _spatial_attrs(node, attrs, list(w.shape[2:]))
    output_padding = list(attrs.get("output_padding", [0, 0]))
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    (sh, sw), (dh, dw) = strides, dilations
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((n, w.shape[1], full_h, full_w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * dh: i * dh + sh * (h - 1) + 1: sh,
                 j * dw: j * dw + sw * (wd - 1) + 1: sw] += np.einsum("nchw,co->nohw", x,
                                                                     w[:, :, i, j])
    y = full[:, :, pads[0]: full_h - pads[2], pads[1]: full_w - pads[3]]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _pool(node, attrs, x, reduce):
    kernel = list(attrs["kernel_shape"])
    pads, strides, dilations = _spatial_attrs(node, attrs, kernel)
    if dilations != [1, 1]:
        raise Unsupported(f"{node.op_type}: dilations {dilations}")
    if reduce == "max":
        return _windows(_pad_spatial(x, pads, -np.inf), kernel, strides, [1, 1]).max(axis=(2, 3))
    sums = _windows(_pad_spatial(x, pads, 0.0), kernel, strides, [1, 1]).sum(axis=(2, 3))
    if attrs.get("count_include_pad", 0) or not any(pads):
        return sums / (kernel[0] * kernel[1])
    ones = np.ones((1, 1) + x.shape[2:], dtype=x.dtype)
    counts = _windows(_pad_spatial(ones, pads, 0.0), kernel, strides, [1, 1]).sum(axis=(2, 3))
    return sums / counts


def _resize_axis(x, axis, out_size, scale, mode, transform, nearest_mode):
    in_size = x.shape[axis]
    dst = np.arange(out_size, dtype=np.float64)
    if transform == "asymmetric":
        src = dst / scale
    elif transform in ("half_pixel", "pytorch_half_pixel"):
        src = (dst + 0.5) / scale - 0.5
        if transform == "pytorch_half_pixel" and out_size == 1:
            src = np.zeros_like(dst)
    elif transform == "align_corners":
        src = dst * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros_like(dst)
    else:
        raise Unsupported(f"Resize coordinate_transformation_mode {transform!r}")
    if mode == "nearest":
        if nearest_mode == "floor":
            index = np.floor(src)
        elif nearest_mode == "round_prefer_floor":
            index = np.ceil(src - 0.5)
        elif nearest_mode == "round_prefer_ceil":
            index = np.floor(src + 0.5)
        elif nearest_mode == "ceil":
            index = np.ceil(src)
        else:
            raise Unsupported(f"Resize nearest_mode {nearest_mode!r}")
        index = np.clip(index, 0, in_size - 1).astype(np.int64)
        return np.take(x, index, axis=axis)
    if mode == "linear":
        src = np.clip(src, 0, in_size - 1)
        i0 = np.floor(src).astype(np.int64)
        i1 = np.minimum(i0 + 1, in_size - 1)
        shape = [1] * x.ndim
        shape[axis] = out_size
        t = (src - i0).reshape(shape)
        return np.take(x, i0, axis=axis) * (1 - t) + np.take(x, i1, axis=axis) * t
    raise Unsupported(f"Resize mode {mode!r}")


def _resize(node, attrs, x, roi=None, scales=None, sizes=None):
    mode = attrs.get("mode", b"nearest")
    transform = attrs.get("coordinate_transformation_mode", b"half_pixel")
    nearest_mode = attrs.get("nearest_mode", b"round_prefer_floor")
    mode, transform, nearest_mode = (v.decode() if isinstance(v, bytes) else v
                                     for v in (mode, transform, nearest_mode))
    _expect(node, attrs, "exclude_outside", (0,))
    if sizes is not None and sizes.size:
        out_sizes = [int(s) for s in sizes]
        scales = [o / i for o, i in zip(out_sizes, x.shape)]
    elif scales is not None and scales.size:
        scales = [float(s) for s in scales]
        out_sizes = [int(np.floor(i * s)) for i, s in zip(x.shape, scales)]
    else:
        raise Unsupported("Resize without scales or sizes")
    for axis in range(x.ndim):
        if out_sizes[axis] != x.shape[axis] or scales[axis] != 1.0:
            x = _resize_axis(x, axis, out_sizes[axis], scales[axis], mode, transform,
                             nearest_mode)
    return x


def _reshape(node, attrs, x, shape):
    _expect(node, attrs, "allowzero", (0,))
    shape = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


def _gemm(node, attrs, a, b, c=None):
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    y = attrs.get("alpha", 1.0) * (a @ b)
    return y if c is None else y + attrs.get("beta", 1.0) * c


def _batch_norm(node, attrs, x, scale, bias, mean, var):
    _expect(node, attrs, "training_mode", (0,))
    shape = [1, -1] + [1] * (x.ndim - 2)
    eps = attrs.get("epsilon", 1e-5)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) +
            bias.reshape(shape))


def _flatten(node, attrs, x):
    axis = attrs.get("axis", 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _pad(node, attrs, x, pads, value=None):
    mode = attrs.get("mode", b"constant")
    if mode not in (b"constant", "constant"):
        raise Unsupported(f"Pad mode {mode!r}")
    pads = [int(p) for p in pads]
    if any(p < 0 for p in pads):
        raise Unsupported(f"negative pads {pads}")
    r = x.ndim
    value = 0.0 if value is None or value.size == 0 else float(value)
    return np.pad(x, [(pads[i], pads[i + r]) for i in range(r)], mode="constant",
                  constant_values=value)


def _constant(node, attrs):
    if "value" in attrs:
        return numpy_helper.to_array(attrs["value"])
    for key, cast in (("value_float", np.float32), ("value_int", np.int64),
                      ("value_floats", np.float32), ("value_ints", np.int64)):
        if key in attrs:
            return np.array(attrs[key], dtype=cast)
    raise Unsupported(f"Constant {node.name}: {sorted(attrs)}")


def _unsqueeze(node, attrs, x, axes=None):
    axes = attrs.get("axes") if axes is None else axes
    out = x
    for a in sorted(int(a) % (x.ndim + len(axes)) for a in axes):
        out = np.expand_dims(out, a)
    return out


_OPS = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": lambda n, a, x: _pool(n, a, x, "max"),
    "AveragePool": lambda n, a, x: _pool(n, a, x, "mean"),
    "Resize": _resize,
    "Gemm": _gemm,
    "MatMul": lambda n, a, x, y: x @ y,
    "Add": lambda n, a, x, y: x + y,
    "Mul": lambda n, a, x, y: x * y,
    "BatchNormalization": _batch_norm,
    "Relu": lambda n, a, x: np.maximum(x, 0),
    "LeakyRelu": lambda n, a, x: np.where(x >= 0, x, a.get("alpha", 0.01) * x),
    "Sigmoid": lambda n, a, x: 1 / (1 + np.exp(-x)),
    "Tanh": lambda n, a, x: np.tanh(x),
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Pad": _pad,
    "Identity": lambda n, a, x: x,
    "Constant": _constant,
    "Shape": lambda n, a, x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda n, a, x, i: np.take(x, i, axis=a.get("axis", 0)),
    "Unsqueeze": _unsqueeze,
    "Concat": lambda n, a, *xs: np.concatenate(xs, axis=a["axis"]),
}


def run(model, inputs):
    """Evaluates `model` (an onnx.ModelProto) on `inputs` (name -> array); returns the graph's
    outputs by name, as float64 where they are floating point."""
    values = {}
    for init in model.graph.initializer:
        values[init.name] = numpy_helper.to_array(init)
    for name, array in inputs.items():
        values[name] = np.asarray(array)
    for name, array in list(values.items()):
        if np.issubdtype(array.dtype, np.floating):
            values[name] = array.astype(np.float64)
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise Unsupported(f"{node.op_type} from domain {node.domain!r}")
        op = _OPS.get(node.op_type)
        if op is None:
            raise Unsupported(f"operator {node.op_type} ({node.name})")
        args = [values[i] if i else None for i in node.input]
        while args and args[-1] is None:
            args.pop()
        result = op(node, _attrs(node), *args)
        if len(node.output) != 1 and node.op_type != "Identity":
            raise Unsupported(f"{node.op_type} with {len(node.output)} outputs")
        values[node.output[0]] = result
    return {o.name: values[o.name] for o in model.graph.output}

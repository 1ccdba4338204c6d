"""A small safetensors reader and writer for the PyTorch parity models (Debian ships no
safetensors package). Format: u64 little-endian header length, JSON header, raw bytes."""
import json
import struct

import numpy as np
import torch

_DTYPES = {
    "F64": (np.float64, torch.float64), "F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16),
    "I64": (np.int64, torch.int64), "I32": (np.int32, torch.int32), "U8": (np.uint8, torch.uint8),
    "BOOL": (np.bool_, torch.bool),
}
_NAMES = {torch_type: name for name, (_, torch_type) in _DTYPES.items()}


def read(path):
    """-> (dict name -> tensor in file order, metadata dict)."""
    with open(path, "rb") as file:
        data = file.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        if entry["dtype"] == "BF16":
            words = np.frombuffer(body[begin:end], dtype=np.int16).copy()
            tensors[name] = torch.from_numpy(words).view(torch.bfloat16).reshape(entry["shape"])
            continue
        numpy_type, _ = _DTYPES[entry["dtype"]]
        array = np.frombuffer(body[begin:end], dtype=numpy_type).reshape(entry["shape"]).copy()
        tensors[name] = torch.from_numpy(array)
    return tensors, metadata


def write(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous().cpu()
        raw = tensor.numpy().tobytes()
        header[name] = {"dtype": _NAMES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))

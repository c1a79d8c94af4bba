"""Fixtures of the npu module's tests: the demo CNN written by npu-modelgen, the npuc CLI as the reference, and a
small reader of ONNX TensorProto files (the stored fp32 outputs) that does not use the code under test."""
import os
import struct
import subprocess

import numpy as np
import pytest

# ONNX TensorProto.DataType codes of the types the demo data uses.
ONNX_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64}


def _varint(buf, pos):
    value, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def read_pb(path):
    """A TensorProto file as a numpy array (dims, data_type, raw_data or float_data)."""
    buf = open(path, "rb").read()
    pos, dims, dtype, raw, floats = 0, [], 1, None, []
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            if field == 1:
                dims.append(value)
            elif field == 2:
                dtype = value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            chunk = buf[pos:pos + size]
            pos += size
            if field == 1:  # packed dims
                p = 0
                while p < len(chunk):
                    d, p = _varint(chunk, p)
                    dims.append(d)
            elif field == 4:
                floats.extend(struct.unpack("<%df" % (len(chunk) // 4), chunk))
            elif field == 9:
                raw = chunk
        elif wire == 5:
            if field == 4:
                floats.append(struct.unpack("<f", buf[pos:pos + 4])[0])
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError("%s: unexpected wire type %d" % (path, wire))
    np_type = ONNX_DTYPES[dtype]
    data = np.frombuffer(raw, dtype=np_type) if raw is not None else np.array(floats, dtype=np_type)
    return data.reshape(dims)


@pytest.fixture(scope="session")
def source_dir():
    return os.environ["NPU_SOURCE_DIR"]


@pytest.fixture(scope="session")
def npuc():
    return os.environ["NPUC"]


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """npu-modelgen's demo CNN: model.onnx and test_data_set_0..2 (input_0.pb, fp32 output_0.pb)."""
    out = tmp_path_factory.mktemp("demo")
    subprocess.run([os.environ["NPU_MODELGEN"], str(out), "--sets", "3"], check=True, stdout=subprocess.DEVNULL)
    return out

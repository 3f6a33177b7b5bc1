import numpy as np
import pytest

from dl4j_bridge import arrays
from dl4j_bridge.errors import ArgumentError


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 4, 5), (1, 3, 7, 11)])
def test_round_trip_is_exact(shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    assert np.array_equal(arrays.to_numpy(arrays.to_java(x)), x)


def test_non_contiguous_and_other_dtypes_are_converted():
    x = np.arange(24, dtype=np.float64).reshape(4, 6)[:, ::2]
    back = arrays.to_numpy(arrays.to_java(x))
    assert back.dtype == np.float32 and np.array_equal(back, x.astype(np.float32))


def test_bytes_path_matches_memmove_path():
    x = np.random.default_rng(2).random((2, 3, 4), dtype=np.float32)
    assert np.array_equal(arrays.to_numpy_bytes(arrays.to_java_bytes(x)), x)


def test_strided_engine_view_comes_back_in_c_order():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    view = arrays.to_java(x).transpose()
    assert np.array_equal(arrays.to_numpy(view), x.T)


def test_out_must_match_shape():
    handle = arrays.to_java(np.zeros((2, 2), np.float32))
    with pytest.raises(ArgumentError, match="shape"):
        arrays.to_java(np.zeros((3, 2), np.float32), out=handle)
    arrays.to_java(np.ones((2, 2), np.float32), out=handle)
    assert arrays.to_numpy(handle).sum() == 4

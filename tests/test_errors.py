"""Java exceptions arrive as typed Python exceptions with class, message and cause chain."""

import numpy as np
import pytest

from dl4j_bridge import arrays, jvm
from dl4j_bridge.errors import ArgumentError, InvalidArgumentError, JavaError, python_class_for, EngineIOError


def test_engine_exception_arrives_typed_with_class_and_message():
    bridge = jvm.cls("org.dl4jbridge.bridge.ArrayBridge")
    with pytest.raises(InvalidArgumentError) as e:
        jvm.call(bridge.fromBytes, b"123", [2, 2])
    err = e.value
    assert err.java_class == "java.lang.IllegalArgumentException"
    assert "needs 16 bytes" in err.java_message and "3 bytes arrived" in err.java_message
    assert "ArrayBridge.fromBytes" in err.java_stack
    assert isinstance(err, ValueError)


def test_cause_chain_is_carried():
    # java.net.URI.create wraps the checked URISyntaxException in an IllegalArgumentException.
    uri = jvm.cls("java.net.URI")
    with pytest.raises(InvalidArgumentError) as e:
        jvm.call(uri.create, "::not a uri")
    err = e.value
    assert err.java_class == "java.lang.IllegalArgumentException"
    assert err.causes and err.causes[0][0] == "java.net.URISyntaxException"
    assert "caused by java.net.URISyntaxException" in str(err)
    assert "Caused by:" in err.java_stack


def test_io_errors_arrive_as_engine_io_errors():
    zip_file = jvm.cls("java.util.zip.ZipFile")
    with pytest.raises(EngineIOError, match="model.zip"):
        jvm.call(zip_file, "/nonexistent/model.zip")


def test_translation_parses_caused_by_sections():
    class FakeJnius(Exception):
        classname = "java.lang.IllegalStateException"
        innermessage = "outer"
        stacktrace = ["java.lang.IllegalStateException: outer", "T.f(T.java:1)", "Caused by:",
                      "java.io.IOException: inner", "T.g(T.java:2)"]
    err = jvm.translate(FakeJnius())
    assert err.causes == [("java.io.IOException", "inner")]
    assert "caused by java.io.IOException: inner" in str(err)


def test_superclass_decides_the_python_type():
    assert python_class_for("java.io.FileNotFoundException") is EngineIOError
    assert python_class_for("org.example.Custom", ("java.lang.IllegalArgumentException",)) is InvalidArgumentError
    assert python_class_for("org.example.Other") is JavaError


def test_bad_dtype_is_refused_before_reaching_the_engine():
    with pytest.raises(ArgumentError, match="dtype") as e:
        arrays.to_java(np.array(["a", "b"]))
    # A Python-side refusal is its own class, not a Java error with a made-up Java class name.
    assert not isinstance(e.value, JavaError) and isinstance(e.value, ValueError)

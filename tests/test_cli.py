from conftest import run_python


def test_doctor_reports_java_blas_and_exits_zero():
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))")
    assert r.returncode == 0, r.stdout + r.stderr
    for label in ("java home", "java version", "libjvm", "class path", "heap (max)", "backend", "blas threads", "cpu"):
        assert label in r.stdout
    assert "OpenBLAS" in r.stdout


def test_doctor_exits_nonzero_with_the_fix_when_the_jar_is_missing():
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                   env={"DL4J_BRIDGE_ENGINE_JAR": "/nonexistent/x.jar"})
    assert r.returncode == 1
    assert "PROBLEM" in r.stdout and "/nonexistent/x.jar" in r.stdout


def test_doctor_flags_the_pure_java_fallback():
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                   env={"DL4J_BRIDGE_BLAS_PATH": "java"})
    assert r.returncode == 1
    assert "pure-Java" in r.stdout


def test_typed_errors_end_the_command_with_the_message_not_a_traceback(tmp_path):
    r = run_python("import sys; from dl4j_bridge.cli import main; "
                   "sys.exit(main(['predict', '--model', sys.argv[1] if len(sys.argv) > 1 else 'x', 'missing.jpg']))",
                   env={})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "dl4j-bridge predict:" in r.stderr

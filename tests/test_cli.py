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


def test_doctor_shows_the_rounding_the_engine_took():
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                   env={"DL4J_BRIDGE_ROUNDING": "dl4j"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "-Ddl4jbridge.rounding=dl4j" in r.stdout
    rounding = [line for line in r.stdout.splitlines() if line.startswith("rounding ")]
    assert rounding and rounding[0].split()[1] == "dl4j", r.stdout  # the engine's own report, not the setting
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                   env={"DL4J_BRIDGE_ROUNDING": "exact"})
    assert r.returncode == 1 and "rounding='exact' is unknown" in r.stderr and "'dl4j'" in r.stderr, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_typed_errors_end_the_command_with_the_message_not_a_traceback(tmp_path):
    r = run_python("import sys; from dl4j_bridge.cli import main; "
                   "sys.exit(main(['predict', '--model', sys.argv[1] if len(sys.argv) > 1 else 'x', 'missing.jpg']))",
                   env={})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "dl4j-bridge predict:" in r.stderr


def test_every_option_says_what_it_does_and_its_default():
    from dl4j_bridge.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.option_strings and action.dest != "help":
                text = action.help or ""
                assert text and ("default" in text or "required" in text), f"{name} {action.option_strings}: {text!r}"


def test_bad_settings_are_refused_before_a_run_directory_exists(tmp_path):
    run_dir = tmp_path / "run"
    for args, message in ((["--epochs", "0"], "at least 1"), (["--learning-rate", "-1"], "greater than 0")):
        r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(sys.argv[1:]))",
                       args=["lesson", "--run-dir", str(run_dir), *args])
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert not run_dir.exists()
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(sys.argv[1:]))",
                   args=["predict", "--model", "m.zip", "--top", "0", "x.jpg"])
    assert r.returncode == 2 and "at least 1" in r.stderr


def test_a_failed_lesson_leaves_no_run_directory(tmp_path):
    run_dir = tmp_path / "run"
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(sys.argv[1:]))",
                   args=["lesson", "--run-dir", str(run_dir), "--offline", "--quiet"],
                   env={"DL4J_BRIDGE_CACHE_DIR": str(tmp_path / "empty-cache"), "DL4J_BRIDGE_DL4J_RESOURCES_DIR":
                        str(tmp_path / "empty-resources")})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not run_dir.exists()


def test_the_engine_follows_home(tmp_path):
    r = run_python("""
        from dl4j_bridge import jvm, zoo
        jvm.start()
        print(jvm.static("java.lang.System", "getProperty", "user.home"))
        print(zoo.EfficientNetLite0().converted_cache_path())
    """, env={"HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    home, converted = r.stdout.split()[-2:]
    assert home == str(tmp_path) and converted.startswith(str(tmp_path))


def test_the_readme_doctor_sample_has_the_rows_doctor_prints():
    """The README's sample is real output: the same rows in the same order (values differ by machine)."""
    import re
    from conftest import REPO
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- doctor-output -->\n```\n\$ \.venv/bin/dl4j-bridge doctor\n(.*?)```", readme, re.S).group(1)
    sample = [line[:34].strip() for line in block.splitlines() if line.strip() and not line.startswith("ok:")]
    r = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))")
    assert r.returncode == 0, r.stdout + r.stderr
    real = [line[:34].strip() for line in r.stdout.splitlines() if line.strip() and not line.startswith("ok:")]
    assert sample == real

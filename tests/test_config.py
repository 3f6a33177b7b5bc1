import pytest

from dl4j_bridge import config, jvm
from dl4j_bridge.errors import ConfigError


@pytest.fixture(autouse=True)
def restore_settings():
    saved = dict(config._values)
    yield
    config._values.clear()
    config._values.update(saved)


def test_bare_number_heap_is_refused_with_the_accepted_form():
    with pytest.raises(ConfigError) as e:
        config._validate("heap", "4096")
    assert "'4096'" in str(e.value) and "'4096m'" in str(e.value) and "'4g'" in str(e.value)


@pytest.mark.parametrize("value", ["4g", "512m", "16G", "1t"])
def test_heap_with_unit_is_accepted(value):
    assert config._validate("heap", value) == value


@pytest.mark.parametrize("value", ["4 gb", "g4", "-4g", "0g", "", "4.5g"])
def test_malformed_heap_is_refused(value):
    with pytest.raises(ConfigError, match="memory size"):
        config._validate("heap", value)


def test_unknown_setting_is_refused_naming_the_known_ones():
    with pytest.raises(ConfigError) as e:
        config._validate("heapsize", "4g")
    assert "heapsize" in str(e.value) and "heap" in str(e.value) and "threads" in str(e.value)


@pytest.mark.parametrize("value", [0, -1, "2", True, 1.5])
def test_threads_must_be_a_positive_int(value):
    with pytest.raises(ConfigError, match="threads"):
        config._validate("threads", value)


def test_environment_supplies_settings(monkeypatch):
    monkeypatch.setenv("DL4J_BRIDGE_HEAP", "6g")
    config._values.pop("heap", None)
    assert config.get("heap") == "6g"
    monkeypatch.setenv("DL4J_BRIDGE_HEAP", "6000")
    with pytest.raises(ConfigError, match="6000"):
        config.get("heap")


def test_jvm_options_reject_managed_flags():
    with pytest.raises(ConfigError, match="heap"):
        config._validate("jvm_options", ["-Xmx2g"])


@pytest.mark.parametrize("value,expected", [("accurate", "accurate"), ("DL4J", "dl4j"), (" dl4j ", "dl4j")])
def test_rounding_accepts_its_two_modes(value, expected):
    assert config._validate("rounding", value) == expected


def test_unknown_rounding_is_refused_naming_both_modes():
    with pytest.raises(ConfigError, match="'accurate'.*'dl4j'"):
        config._validate("rounding", "exact")


def test_rounding_reaches_the_jvm_options(monkeypatch):
    monkeypatch.setenv("DL4J_BRIDGE_ROUNDING", "dl4j")
    config._values.pop("rounding", None)
    assert "-Ddl4jbridge.rounding=dl4j" in jvm.jvm_options()
    monkeypatch.delenv("DL4J_BRIDGE_ROUNDING")
    assert "-Ddl4jbridge.rounding=accurate" in jvm.jvm_options()


def test_jvm_options_cannot_set_the_rounding_behind_the_setting():
    with pytest.raises(ConfigError, match="rounding="):
        config._validate("jvm_options", ["-Ddl4jbridge.rounding=dl4j"])

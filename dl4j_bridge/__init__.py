"""dl4j-bridge: Deeplearning4j-style transfer learning from Python, on a JVM engine.

Importing this package starts nothing; the JVM starts on the first call into the engine
(or explicitly with :func:`dl4j_bridge.jvm.start`). Settings: :mod:`dl4j_bridge.config`.
"""

__version__ = "0.1.0"

from . import config, errors  # noqa: F401  (both import-safe)

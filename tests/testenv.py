"""Loaded with ``-p tests.testenv`` before pytest-django reads the settings.

Tests run with DEBUG off, like production, so they need real-looking secrets.
"""

import atexit
import os
import shutil
import tempfile

_VAR = tempfile.mkdtemp(prefix="chat-test-var-")
atexit.register(shutil.rmtree, _VAR, ignore_errors=True)
# A pytest-xdist worker starts with the environment of the process that started it, this
# module's VAR_DIR included: each worker keeps its own all the same.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["VAR_DIR"] = _VAR

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("PSEUDONYM_KEY", "test-pseudonym-key-0123456789abcdefghijkl")
os.environ.setdefault("ENCRYPTION_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("VAR_DIR", _VAR)
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", f"sqlite:///{_VAR}/test.sqlite3")
os.environ.pop("REDIS_URL", None)

"""Production settings plus failure points that hold private data, for the sentinel tests.

Used by the real Daphne node in test_privacy_integration.py.
"""

from chatplatform.settings import *  # noqa: F403

MESSAGE_CHECKS = [*MESSAGE_CHECKS, "tests.pipeline_checks.explode_with_the_body"]  # noqa: F405
ROOT_URLCONF = "tests.sentinel_urls"

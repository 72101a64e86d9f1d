"""Settings for the benchmark: production settings on a file database, served in-process.

``bench/bench.py`` sets ``DATABASE_URL`` to the demo database of the size being measured.
DEBUG stays off (as in production); static files are served from the finders so that no
``collectstatic`` manifest is needed.
"""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("SCHOOLOPS_PLAIN_HTTP", "1")

from schoolops.settings import *  # noqa: F403
from schoolops.settings import ALLOWED_HOSTS, STORAGES

DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# A lost request in the benchmark is a number in the table, not a log line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
WHITENOISE_USE_FINDERS = True
# No collectstatic for the benchmark: whitenoise would warn that STATIC_ROOT is missing.
warnings.filterwarnings("ignore", message="No directory at")

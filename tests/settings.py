"""Test settings: the real settings with a fast hasher, local mail and no HTTPS redirect."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SCHOOLOPS_PLAIN_HTTP", "1")
# Playwright's sync API runs an event loop in the test thread; the live server is a thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from schoolops.settings import *  # noqa: F403
from schoolops.settings import DATABASES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = os.environ.get("TEST_AXES", "0") == "1"
LANGUAGE_CODE = "zh-hans"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In memory, or in the file TEST_DB_NAME names: threads share a file (the concurrency
    # tests), not an in-memory database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME") or None}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif os.environ.get("TEST_DB_NAME"):
    # Several test runs on one PostgreSQL server each need their own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}
# Uploaded test rosters go to a throwaway folder of this run, never into the work tree.
PRIVATE_ROOT = Path(tempfile.mkdtemp(prefix="schoolops-test-private-"))
atexit.register(shutil.rmtree, PRIVATE_ROOT, ignore_errors=True)

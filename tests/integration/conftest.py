import pytest

from tests.infra import test_env  # noqa: F401 - session fixture

pytestmark = pytest.mark.integration

import pytest

from tests.e2e.system import system  # noqa: F401 - session fixture
from tests.infra import test_env  # noqa: F401 - session fixture

pytestmark = pytest.mark.e2e

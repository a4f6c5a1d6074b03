import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages are asserted in English; pages speak Chinese by default."""
    with translation.override("en"):
        yield

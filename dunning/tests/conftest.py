import pytest

from .factories import make_policy, setup_world


@pytest.fixture
def world(db):
    setup_world()
    return make_policy()

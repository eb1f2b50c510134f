"""The core without a chat platform: the runtime over a migrated database, nothing over HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import ORG_YAML


@pytest.fixture
def org_yaml() -> str:
    """The shared organisation with a team whose name has an underscore and one with a label."""
    return ORG_YAML.replace("  - {name: product}\n", "  - {name: product}\n  - {name: customer_success}\n")

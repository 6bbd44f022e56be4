"""Shared fixtures."""

from __future__ import annotations

from tests.gitrepo import decision_repo, git_identity  # noqa: F401 - fixtures: real git repositories

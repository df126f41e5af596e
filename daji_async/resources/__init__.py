"""The resource groups: one class per domain, each a `Resource` bound to its client's front door."""

from .._core import Resource

__all__ = ["Resource"]

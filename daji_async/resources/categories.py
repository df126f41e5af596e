"""`client.categories`: the 1688 category tree."""

# mypy: disable-error-code="empty-body"
# (methods under @declared are signatures with a docstring: their body is written by the core)

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core import Resource
from .._declare import declared
from .._endpoints import CATEGORY_GET
from ..models.products import Category

if TYPE_CHECKING:
    from .._client import Timeout


class Categories(Resource):
    """The 1688 category tree: `client.categories`."""

    @declared(CATEGORY_GET)
    async def get(
        self, category_id: int = 0, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> list[Category]:
        """A category with its direct children (GET /alibaba/category/get); 0 is the root.

        The service answers with a list (normally one category); it is returned whole.

        ```python
        [root] = await client.categories.get(0)
        for child in root.child_categorys:
            print(child.id, child.name)
        ```

        """

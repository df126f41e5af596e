"""``client.categories``: the 1688 category tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core import Resource
from .._endpoints import CATEGORY_GET
from .._validate import positive_id
from ..models.products import Category

if TYPE_CHECKING:
    from .._client import Timeout


class Categories(Resource):
    """The 1688 category tree: ``client.categories``."""

    async def get(
        self, category_id: int = 0, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> list[Category]:
        """A category with its direct children (GET /alibaba/category/get); 0 is the root.

        The service answers with a list (normally one category); it is returned whole.

        ::

            [root] = await client.categories.get(0)
            for child in root.child_categorys:
                print(child.id, child.name)
        """
        if category_id != 0 or isinstance(category_id, bool):
            positive_id("category_id", category_id)
        category_id = int(category_id)
        return await self._core.call(
            CATEGORY_GET, {"categoryID": category_id}, timeout=timeout, max_retries=max_retries
        )

"""The SDK's logger, and `DAJI_LOG=debug` to switch it on without code."""

from __future__ import annotations

import logging
import os

from . import _constants as C

logger = logging.getLogger("daji_async")


def setup_from_env() -> None:
    """Honour `DAJI_LOG` (`debug` or `info`): attach a stderr handler at that level."""
    level_name = os.environ.get(C.ENV_LOG, "").strip().upper()
    if level_name not in ("DEBUG", "INFO"):
        return
    logger.setLevel(level_name)
    if not any(getattr(h, "_daji_env", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handler._daji_env = True  # type: ignore[attr-defined]
        logger.addHandler(handler)

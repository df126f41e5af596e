"""The sandbox's authentication: appKey, then the MD5 `sign` (or `appSecret` in debug mode)."""

from __future__ import annotations

from aiohttp import web

from .. import _constants as C
from .._protocol import sign
from ._state import SandboxState
from ._wire import Params, error


def check_auth(state: SandboxState, params: Params) -> web.Response | None:
    """The service's authentication: appKey, then `sign` (or `appSecret` in debug mode)."""
    config = state.config
    app_key = params.values.get("appKey")
    if not app_key:
        return error(400, 400, "appKey不能为空 (appKey is required)")
    if app_key in config.inactive_app_keys:
        return error(200, 500, C.NOT_ACTIVATED_MESSAGE)
    if app_key != config.app_key:
        return error(400, 400, "appKey不存在 (unknown appKey)")
    secret = params.values.get("appSecret")
    if secret is not None:
        if secret != config.app_secret:
            return error(400, 400, "appSecret不正确 (wrong appSecret)")
        return None
    given = params.values.get("sign")
    if not given:
        return error(400, 400, "sign不能为空 (sign is required when appSecret is absent)")
    if given != sign(params.pairs, config.app_secret):
        return error(400, 400, "签名错误 (signature mismatch)")
    return None

from tests.connectors.wechat.fake_api import fake_wechat

__all__ = ["fake_wechat"]

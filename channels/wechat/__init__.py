"""WeChat official account (公众号) server: the real protocol through wechatpy."""

"""Water-delivery agreements (送水服务协议)."""

"""Video adapters: RTSP streams (and ONVIF)."""

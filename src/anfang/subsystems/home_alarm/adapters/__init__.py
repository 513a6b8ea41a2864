"""Protocol adapters for networked home alarm panels (SIA DC-09, Zigbee2MQTT, ...)."""

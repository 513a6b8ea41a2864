"""The site model: community, buildings, units, households, residents, zones, devices.

The REST router is ``anfang.core.site.api.router``; the import commands are
``anfang.core.site.cli.import_app``.
"""

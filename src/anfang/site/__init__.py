"""The site model: community, buildings, units, households, residents, zones, devices.

The REST router is ``anfang.site.api.router``; the import commands are
``anfang.site.cli.import_app``.
"""

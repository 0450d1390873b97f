"""Facades over :class:`~relationkit.service.Relations` for each area of client care."""

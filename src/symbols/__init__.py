"""symbols: a tracker of monuments and public symbols, their removal and new memorials.

Library modules, named for what a user does: :mod:`~symbols.registry` (read the GeoJSON),
:mod:`~symbols.dates` (EDTF day ranges), :mod:`~symbols.timeline` (status on a date: the one
rule set), :mod:`~symbols.validate`, :mod:`~symbols.geo`, :mod:`~symbols.maps`,
:mod:`~symbols.reports`, :mod:`~symbols.changes`, :mod:`~symbols.edit`, :mod:`~symbols.sources`;
:mod:`~symbols.cli` only parses arguments and calls them. Private ``_*`` modules are plumbing.
"""

__version__ = "0.1.0"

"""Bilingual content pipeline and feed publisher for plain-language health information.

Stages, each a function from records to records:
``config`` reads the site settings, ``sources`` reads articles, ``segment`` splits them into
translatable units, ``catalogs`` keeps the gettext catalogs, ``localize`` applies a translation,
``render`` turns articles into pages and ``publish`` wires them together and writes the result.
"""

__version__ = "0.1.0"

"""Compile every locale/*/LC_MESSAGES/django.po to .mo with polib, so no GNU gettext is needed.

The compiled catalogues are committed; run this (or `make messages`) after editing a .po file.
"""
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    catalogue = polib.pofile(str(po_path))
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(ROOT)}: {catalogue.percent_translated()}% translated")

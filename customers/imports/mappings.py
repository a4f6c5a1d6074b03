"""A store's saved import mapping: which file column fills which field, and which of the DMS's
repair-type values means which of ours (under REPAIR_TYPES_KEY)."""
from ..models import ImportMapping
from ..models.service import RepairType
from .columns import FIELDS

REPAIR_TYPES_KEY = "_repair_types"


def column_mapping(columns: dict) -> dict:
    """Only the {field: header} part of a saved mapping."""
    return {f: h for f, h in (columns or {}).items() if f in FIELDS and h}


def repair_type_mapping(columns: dict) -> dict:
    values = (columns or {}).get(REPAIR_TYPES_KEY) or {}
    return {k: v for k, v in values.items() if v in RepairType.values}


def save_mapping(store, columns, user):
    mapping, _created = ImportMapping.objects.get_or_create(store=store)
    mapping.columns = {**mapping.columns, **columns}
    for name in FIELDS:
        if name not in columns:
            mapping.columns.pop(name, None)
    mapping.updated_by = user
    mapping.save()
    return mapping


def saved_columns(store) -> dict:
    mapping = ImportMapping.objects.filter(store=store).first()
    return mapping.columns if mapping else {}

"""DuckDB storage: schema migrations, bulk writes, short transactions."""

from .db import DatabaseBusy, DatabaseDamaged, SchemaTooNew, StorageError
from .store import KnownDocuments, Store

__all__ = ["DatabaseBusy", "DatabaseDamaged", "KnownDocuments", "SchemaTooNew", "StorageError", "Store"]

"""DuckDB storage: schema migrations, bulk writes, short transactions."""
from .db import DatabaseBusy, SchemaTooNew, StorageError
from .store import KnownDocuments, Store

__all__ = ["DatabaseBusy", "KnownDocuments", "SchemaTooNew", "StorageError", "Store"]

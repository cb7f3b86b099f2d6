"""The Parquet lake: export from the database, score with Ray Data, import back (see layout.py)."""

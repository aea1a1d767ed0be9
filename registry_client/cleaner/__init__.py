"""The dataset cleaner: CSV/Parquet checked against a registry schema in Arrow, rows quarantined."""

from registry_client.cleaner.cleaner import DatasetCleaner
from registry_client.cleaner.errors import CleanerError, RegistryUnavailable
from registry_client.cleaner.report import CleanResult, Counts

__all__ = ["CleanResult", "CleanerError", "Counts", "DatasetCleaner", "RegistryUnavailable"]

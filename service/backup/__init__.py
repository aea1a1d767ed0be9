"""Backups to S3: logical archives of any store and etcd snapshots, listed, pruned, restored."""

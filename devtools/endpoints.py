"""Where the running stack can be reached: the values the services read from the environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StackEndpoints:
    database_url: str
    kafka_bootstrap_servers: str
    s3_endpoint_url: str
    s3_access_key_id: str
    s3_secret_access_key: str
    s3_bucket: str
    s3_region: str

    def as_env(self) -> dict[str, str]:
        """Exactly the variable names `shared.settings.CommonSettings` reads."""
        return {
            "DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "S3_ENDPOINT_URL": self.s3_endpoint_url,
            "S3_ACCESS_KEY_ID": self.s3_access_key_id,
            "S3_SECRET_ACCESS_KEY": self.s3_secret_access_key,
            "S3_BUCKET": self.s3_bucket,
            "S3_REGION": self.s3_region,
        }

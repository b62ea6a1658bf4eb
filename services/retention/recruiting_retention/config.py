from pydantic import Field
from recruiting_shared.config import Settings


class RetentionSettings(Settings):
    service_name: str = "retention"
    retention_confirm_seconds: float = Field(
        3600, gt=0,
        description="an issued erasure not confirmed by application.erased within this time is issued again and "
                    "counts as overdue",
    )
    retention_sweep_batch: int = Field(500, ge=1, le=10_000, description="erasures issued per transaction")

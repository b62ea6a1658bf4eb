from pydantic import Field
from recruiting_shared.config import Settings


class PostingsSettings(Settings):
    service_name: str = "postings"
    closing_sweep_seconds: float = Field(
        10, gt=0, description="how often the closing loop looks for postings whose closes_at has come"
    )

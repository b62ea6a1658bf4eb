from recruiting_shared.config import Settings


class RetentionSettings(Settings):
    service_name: str = "retention"

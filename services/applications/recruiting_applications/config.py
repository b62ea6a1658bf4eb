from recruiting_shared.config import Settings


class ApplicationsSettings(Settings):
    service_name: str = "applications"

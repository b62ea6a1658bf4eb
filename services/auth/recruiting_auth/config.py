from recruiting_shared.config import Settings


class AuthSettings(Settings):
    service_name: str = "auth"

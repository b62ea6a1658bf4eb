from recruiting_shared.config import Settings


class BillingSettings(Settings):
    service_name: str = "billing"

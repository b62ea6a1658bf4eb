from recruiting_shared.config import Settings


class PostingsSettings(Settings):
    service_name: str = "postings"

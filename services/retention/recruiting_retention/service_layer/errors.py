"""What can go wrong in a company's request; entrypoints map each to its HTTP problem."""


class RetentionError(Exception):
    pass


class ApplicationNotFound(RetentionError):
    """Unknown, erased, or another company's: the caller cannot tell these apart."""


class HoldNotFound(RetentionError):
    pass


class ErasureUnderWay(RetentionError):
    """The erasure is already issued; a hold can no longer stop it."""


class InvalidHold(RetentionError):
    pass

"""User-facing error types: their message is what a person sees, never a stack trace."""


class AssistantError(Exception):
    """Base for every error whose message is shown to the user as is."""


class SettingsError(AssistantError):
    """A setting is missing, malformed or out of range."""


class DocumentError(AssistantError):
    """A source file could not be read; the message names the file and the reason."""


class IndexStateError(AssistantError):
    """The index on disk is missing, corrupt, or built with other settings."""


class QuestionError(AssistantError):
    """A question that cannot be answered as given (empty, too long)."""

"""Static files: whitenoise's compressed, hashed files, each file's URL worked out once per process.

The manifest is read once at start-up and never changes while the process runs, and every page
asks for the same few URLs; looking each one up again cost about a tenth of a cached page.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

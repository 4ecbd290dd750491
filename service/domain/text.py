"""Text that people type: what never belongs in a name, a note or a file name."""
import re
import unicodedata

# Bidirectional overrides and isolates make a name display reversed ("txt.exe" shown as "exe.txt");
# zero-width characters make two equal-looking names differ. Neither is ever typed on purpose.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                   "\u2060\u2066\u2067\u2068\u2069\ufeff"))
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|]')


def drop_invisible(text: str) -> str:
    """`text` without bidi overrides, isolates and zero-width characters."""
    return text.translate(INVISIBLE)


def file_name_part(text: str, limit: int = 40) -> str:
    """A piece of a file name built from typed text: no separators, no `..`, no control or invisible
    characters, so that an archive entry can never leave the folder it is unpacked into."""
    cleaned = "".join(c for c in drop_invisible(unicodedata.normalize("NFC", text or ""))
                      if unicodedata.category(c)[0] != "C")
    cleaned = _UNSAFE_IN_FILE_NAME.sub("_", cleaned).replace("..", "_").strip(" .")
    return cleaned[:limit] or "_"
